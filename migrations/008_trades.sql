-- Trades (docs/economy.md): one row per trade, from its stream. The expirer finds due offers
-- here; GET /trades lists a player's trades; GET /balance adds open offers' `give` to `held`.
CREATE TABLE rm_trades (
    trade_id     text        PRIMARY KEY,
    offerer_id   text,
    recipient_id text,
    offerer      text,
    recipient    text,
    give         jsonb,
    want         jsonb,
    expires_at   timestamptz,
    status       text        NOT NULL,
    version      bigint      NOT NULL,
    offered_at   timestamptz,
    closed_at    timestamptz
);
-- Named as CREATE TABLE (LIKE ... INCLUDING ALL) names them, so rebuilt tables match.
CREATE INDEX rm_trades_expires_at_idx ON rm_trades (expires_at) WHERE status = 'open';
CREATE INDEX rm_trades_offerer_id_idx ON rm_trades (offerer_id);
CREATE INDEX rm_trades_recipient_id_idx ON rm_trades (recipient_id);

-- History entries name the trade, as they name the hold.
ALTER TABLE rm_history ADD COLUMN trade_id text;
