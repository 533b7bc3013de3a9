DROP TABLE mail_outbox;
DROP TABLE invitations;
DROP TABLE guests;
