-- 019_sms_steps.sql (PostgreSQL): the SMS answers to a case's SMS reply that
-- were received before migration 017 become sms-in steps of the case, as
-- store/conversation.c records later ones: an sms_inbox row with no step
-- yet, from a number (bare or +86) one of the case's SMS replies went to
-- in the 168 hours (the default [campaign] conversation) before it, the
-- latest such case; detail "SMS from SENDER: text".  Only rows received
-- before 017 was applied (after it, the GSM worker decided with the
-- configured window); a row kept already is not again.

INSERT INTO case_events (request_id, kind, at, detail, inbox_id)
SELECT request_id, 'sms-in', received_at,
    substr('SMS from ' || sender || ': ' || body, 1, 1999), id
FROM (
	SELECT i.id, i.sender, i.body, i.received_at,
	    (SELECT o.request_id FROM outbox o
	    WHERE o.channel = 'sms' AND o.idem_key LIKE 'case:%:reply:%' AND
	    o.request_id IS NOT NULL AND
	    (o.recipient = i.bare OR o.recipient = '+86' || i.bare) AND
	    o.created_at >= i.received_at - INTERVAL '168 hours' AND
	    o.created_at <= i.received_at
	    ORDER BY o.created_at DESC, o.id DESC LIMIT 1) AS request_id
	FROM (
		SELECT id, sender, body, received_at,
		    CASE WHEN substr(sender, 1, 3) = '+86'
		    THEN substr(sender, 4) ELSE sender END AS bare
		FROM sms_inbox
		WHERE received_at < (SELECT applied_at
		    FROM kefu_schema_version WHERE version = 17) AND
		    NOT EXISTS (SELECT 1 FROM case_events e
		    WHERE e.inbox_id = sms_inbox.id)
	) i
) a
WHERE request_id IS NOT NULL
ORDER BY id;
