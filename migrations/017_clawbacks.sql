-- Clawbacks (issue 24): the runner asks every second which clawbacks are still open; a partial
-- index over their first and last events answers without reading the log.
CREATE INDEX events_clawbacks ON events (event_type, stream_id)
    WHERE event_type IN ('clawback_started', 'clawback_finished');
