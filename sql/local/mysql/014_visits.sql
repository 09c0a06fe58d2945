-- 014_visits.sql (MySQL, MariaDB): home-visit appointments of after-sales
-- cases (store/visit.c, kefu visit): the day and slot of [visits] in
-- kefu.conf a caller or the desk chose, the number the confirmation SMS
-- went to (outbox_id), the order or delivery slip that identifies the
-- purchase, and what became of it: booked, then done, cancelled, or
-- moved (a move leaves this row 'moved' and books a new one for the
-- same case).

CREATE TABLE visits (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	request_id INTEGER NOT NULL REFERENCES requests (id),
	visit_date DATE NOT NULL,
	slot VARCHAR(11) NOT NULL,
	phone VARCHAR(32) NOT NULL,
	purchase VARCHAR(32),
	status VARCHAR(10) NOT NULL DEFAULT 'booked'
	    CHECK (status IN ('booked', 'done', 'cancelled', 'moved')),
	booked_at DATETIME NOT NULL,
	booked_by VARCHAR(20),
	changed_at DATETIME,
	changed_by VARCHAR(20),
	call_ref VARCHAR(64),
	outbox_id INTEGER REFERENCES outbox (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX visits_slot ON visits (visit_date, slot, status);
CREATE INDEX visits_request ON visits (request_id, id);
