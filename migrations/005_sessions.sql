-- Sessions: what revokes an access token, and the rotating refresh tokens (infra/sessions.py).
-- Access tokens are checked without the database; every process keeps a copy of the unexpired
-- revocations (infra/revocations.py), read after a transaction-id cursor that cannot skip a
-- late-committing revoker. A row is kept until nothing it revokes can still be valid.
CREATE TABLE revocations (
    kind           text        NOT NULL CHECK (kind IN ('token', 'family', 'player')),
    -- The token's jti, the refresh family's id, or the player's id.
    subject        text        NOT NULL,
    -- For 'player': tokens issued (iat) before this second are refused.
    issued_before  bigint      CHECK ((kind = 'player') = (issued_before IS NOT NULL)),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz NOT NULL DEFAULT now(),
    transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX revocations_cursor ON revocations (transaction_id);
CREATE INDEX revocations_expiry ON revocations (expires_at);

-- One family per login that asked for refresh; every rotation stays in it, so a reused
-- (stolen) refresh token revokes the family and every access token it issued.
CREATE TABLE refresh_families (
    family_id  text        PRIMARY KEY,
    player_id  text        NOT NULL REFERENCES credentials (player_id) ON DELETE CASCADE,
    -- The access lifetime the client chose at login, reused when a refresh names none.
    access_ttl integer     CHECK (access_ttl > 0),
    -- The newest refresh token's expiry: after it the family and its tokens can be purged.
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_families_player ON refresh_families (player_id) WHERE revoked_at IS NULL;
CREATE INDEX refresh_families_expiry ON refresh_families (expires_at);

-- Opaque refresh tokens, stored as their sha256 only: a copy of this table replays nothing.
CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    family_id  text        NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
