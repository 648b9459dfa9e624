-- Expiring currency (issue 23): each player's lots as their newest event leaves them, one row per
-- player who holds a lot that expires. The expirer finds due players by `next_expires_at`; the
-- operator's stream explorer shows `lots`.
CREATE TABLE rm_lots (
    player_id       text        PRIMARY KEY,
    version         bigint      NOT NULL,
    next_expires_at timestamptz NOT NULL,
    lots            jsonb       NOT NULL
);
-- Named as CREATE TABLE (LIKE ... INCLUDING ALL) names them, so rebuilt tables match.
CREATE INDEX rm_lots_next_expires_at_idx ON rm_lots (next_expires_at);
