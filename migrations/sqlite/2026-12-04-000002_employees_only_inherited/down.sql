-- Data only: what was marked stays marked.
SELECT 1;
