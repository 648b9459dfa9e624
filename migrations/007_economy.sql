-- The player economy (docs/economy.md): history entries name the counterparty, the memo and
-- the hold. Nullable: entries written before them have none.
ALTER TABLE rm_history
    ADD COLUMN counterparty text,
    ADD COLUMN memo         text,
    ADD COLUMN hold_id      text;

-- Holds (docs/economy.md): one row per hold, from its stream. The expirer finds due holds
-- here; GET /balance sums the pending ones into `held`.
CREATE TABLE rm_holds (
    hold_id    text        PRIMARY KEY,
    player_id  text,
    asset      text,
    amount     bigint,
    expires_at timestamptz,
    memo       text,
    status     text        NOT NULL,
    captured   bigint,
    version    bigint      NOT NULL,
    placed_at  timestamptz,
    closed_at  timestamptz
);
-- Named as CREATE TABLE (LIKE ... INCLUDING ALL) names them, so rebuilt tables match.
CREATE INDEX rm_holds_expires_at_idx ON rm_holds (expires_at) WHERE status = 'pending';
CREATE INDEX rm_holds_player_id_idx ON rm_holds (player_id) WHERE status = 'pending';
