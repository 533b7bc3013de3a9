-- Consumers of the events log added by releases after a network began (link previews and the
-- webhook queue, 2026-12-05) start at the log's end on an upgraded network, as they would
-- have had they been there all along: an upgrade neither fetches previews for years of old
-- links nor delivers the whole past to the first webhook made after it. On a new, empty
-- database nothing is written (HAVING): a missing cursor is the start of an empty log.
INSERT INTO event_cursors (consumer, last_event_id, updated_at)
SELECT 'link_previews', MAX(id), CURRENT_TIMESTAMP FROM events
WHERE NOT EXISTS (SELECT 1 FROM event_cursors WHERE consumer = 'link_previews')
HAVING COUNT(*) > 0;

INSERT INTO event_cursors (consumer, last_event_id, updated_at)
SELECT 'webhook_queue', MAX(id), CURRENT_TIMESTAMP FROM events
WHERE NOT EXISTS (SELECT 1 FROM event_cursors WHERE consumer = 'webhook_queue')
HAVING COUNT(*) > 0;
