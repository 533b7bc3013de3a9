DROP INDEX polls_closing;
ALTER TABLE polls DROP COLUMN closed_told;
