-- Metadata, history filters and balances in the past (docs/history-queries.md). Indexes are
-- named as CREATE TABLE (LIKE ... INCLUDING ALL) names them, so rebuilt tables match.

-- The caller's labels of the write (domain/metadata.py); entries written before have none.
ALTER TABLE rm_history ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'::jsonb;

-- GET /history?code=: one backward range of the player's entries of that code.
CREATE INDEX rm_history_player_id_code_version_idx ON rm_history (player_id, code, version);

-- GET /history?from=&to= and GET /balance?at=: the player's entries by time; the last entry
-- at or before a time (its state_after is the wallet then) is one probe.
CREATE INDEX rm_history_player_id_occurred_at_version_idx
    ON rm_history (player_id, occurred_at, version);

-- GET /history?meta.KEY=VALUE: containment (@>) of the labels. One index for every key:
-- match ids, store orders and tickets are selective across all players.
CREATE INDEX rm_history_metadata_idx ON rm_history USING gin (metadata jsonb_path_ops);

-- GET /history?asset=: the assets an entry's legs move, as a JSON array of codes.
CREATE INDEX rm_history_jsonb_path_query_array_idx
    ON rm_history USING gin (jsonb_path_query_array(legs, '$[*].asset'));
