DROP TABLE event_cursors;
DROP TABLE events;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
