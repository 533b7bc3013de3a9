DROP INDEX users_department;
DROP TABLE recommendation_dismissals;
