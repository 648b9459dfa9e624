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

-- GET /history?meta.KEY=VALUE and ?asset=: containment (@>) of the labels, and of the asset
-- codes the entry's legs move, within one player's entries. btree_gin (a trusted contrib
-- extension, shipped with PostgreSQL) lets a GIN index lead with player_id, so the index
-- intersects the player's entries with the matching ones instead of matching every player's.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX rm_history_player_id_metadata_idx
    ON rm_history USING gin (player_id, metadata jsonb_path_ops);
CREATE INDEX rm_history_player_id_jsonb_path_query_array_idx
    ON rm_history USING gin (player_id, jsonb_path_query_array(legs, '$[*].asset'));
