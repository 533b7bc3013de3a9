DROP TABLE webhook_attempts;
DROP TABLE webhooks;
