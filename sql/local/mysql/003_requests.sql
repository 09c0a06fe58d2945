-- 003_requests.sql (MySQL, MariaDB): complaints, suggestions and after-sales
-- requests left as voice messages, and their closed loop: department,
-- answer, call back, home-visit appointment.

CREATE TABLE requests (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	ticket_no VARCHAR(32) NOT NULL UNIQUE,
	kind VARCHAR(12) NOT NULL CHECK (kind IN ('complaint', 'suggestion', 'after_sales')),
	member_id INTEGER REFERENCES members (id),
	caller_id VARCHAR(32),
	call_id INTEGER,
	received_at DATETIME NOT NULL,
	voice_path VARCHAR(400),
	voice_ms INTEGER,
	department VARCHAR(64),
	status VARCHAR(12) NOT NULL DEFAULT 'new'
	    CHECK (status IN ('new', 'assigned', 'answered', 'closed')),
	assigned_at DATETIME,
	answer_text VARCHAR(2000),
	answer_voice_path VARCHAR(400),
	answered_by VARCHAR(20),
	answered_at DATETIME,
	callback_phone VARCHAR(32),
	callback_at DATETIME,
	callback_done SMALLINT NOT NULL DEFAULT 0 CHECK (callback_done IN (0, 1)),
	appointment_at DATETIME,
	appointment_confirmed SMALLINT NOT NULL DEFAULT 0 CHECK (appointment_confirmed IN (0, 1)),
	updated_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX requests_status ON requests (status, department);
