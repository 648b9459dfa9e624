-- The append-only event log: the only source of truth. Everything else is a projection of it.
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY,
    stream_id       text        NOT NULL,
    version         bigint      NOT NULL CHECK (version > 0),
    -- The writer's transaction id: readers tail the log below the xmin horizon so a writer
    -- that took its position early and committed late is never skipped.
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL DEFAULT 1,
    payload         jsonb       NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- sha256 over the previous event's hash in the same stream and this event's content:
    -- a per-stream chain (no global serialisation) that the audit re-computes.
    hash            bytea       NOT NULL,
    PRIMARY KEY (stream_id, version)
);
CREATE UNIQUE INDEX events_global_position ON events (global_position);
CREATE INDEX events_cursor ON events (transaction_id, global_position);

CREATE FUNCTION events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous bytea := ''::bytea;
BEGIN
    IF NEW.version > 1 THEN
        SELECT e.hash INTO previous FROM events e
         WHERE e.stream_id = NEW.stream_id AND e.version = NEW.version - 1;
        IF NOT FOUND THEN
            -- A writer that skips a version would leave a hole in the stream.
            RAISE EXCEPTION 'stream % has no version %', NEW.stream_id, NEW.version - 1
                USING ERRCODE = 'unique_violation', CONSTRAINT = 'events_pkey';
        END IF;
    END IF;
    NEW.hash := sha256(previous || convert_to(
        NEW.stream_id || '|' || NEW.version || '|' || NEW.event_type || '|'
        || NEW.schema_version || '|' || NEW.payload::text, 'UTF8'));
    RETURN NEW;
END $$;

CREATE TRIGGER events_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_chain();

CREATE FUNCTION events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_immutable();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_immutable();
