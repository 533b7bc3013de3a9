DROP TABLE reports;
ALTER TABLE comments DROP COLUMN hidden_reason;
ALTER TABLE posts DROP COLUMN hidden_reason;
