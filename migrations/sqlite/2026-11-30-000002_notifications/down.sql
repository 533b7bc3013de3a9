ALTER TABLE posts DROP COLUMN quiet;
DROP TABLE thread_mutes;
DROP TABLE notification_settings;
DROP TABLE notifications;
