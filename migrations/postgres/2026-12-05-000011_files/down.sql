ALTER TABLE users DROP COLUMN photo_id;
DROP TABLE attachments;
DROP TABLE blobs;
