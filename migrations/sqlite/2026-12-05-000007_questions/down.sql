DROP INDEX posts_questions;
ALTER TABLE posts DROP COLUMN best_answer_id;
ALTER TABLE posts DROP COLUMN question;
