DROP TABLE announcement_reads;
DROP TABLE announcements;
