-- Where each webhook endpoint's deliveries begin: events at or after this global position. An
-- endpoint registered today starts at the log's end, not its beginning (issue 25); endpoints
-- registered before this migration keep receiving everything (1).
ALTER TABLE webhook_endpoints ADD COLUMN from_position bigint NOT NULL DEFAULT 1;
