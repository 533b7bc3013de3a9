ALTER TABLE memberships DROP COLUMN email_frequency;
DROP TABLE seen_posts;
