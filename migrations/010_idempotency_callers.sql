-- Idempotency keys belong to who sent them (DESIGN-NOTES note 13): a key is stored under
-- (caller, scope, key), so a player's key never answers for a game server's batch top-up or an
-- operator's reversal on that player, nor the reverse.
--
-- Rows stored before this migration get caller '' (no caller recorded), and a lookup matches
-- them for any caller (infra/eventstore.py `_HEADS_AND_KEYS`): every retry that replayed before
-- the migration still replays after it. No backfill, because the log cannot tell who sent most
-- of these rows: a game server's batch top-up and the player's own top-up are the same command
-- with the same metadata, and guessing "the player" would turn a game server's retry of a
-- pre-migration batch into a second top-up. Where the sender is certain, '' changes nothing:
-- grants, holds and settlements are scoped to the game server that sent them, and a
-- reversal's row (the log names its operator) can only refuse a player's other request with
-- the same key (422), never answer it. Where IDEMPOTENCY_RETENTION_DAYS is set, the sweeper's
-- purge ages the legacy rows out, and this rule with them.
ALTER TABLE idempotency_keys ADD COLUMN caller text NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ALTER COLUMN caller DROP DEFAULT;
-- The lookup probes (scope, key) and then at most two callers: the caller's own row and ''.
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_pkey,
    ADD PRIMARY KEY (scope, key, caller);
