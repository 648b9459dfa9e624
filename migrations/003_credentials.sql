-- Credentials are not ledger data: password hashes live here, never in events.
CREATE TABLE credentials (
    player_id     text        PRIMARY KEY,
    username      text        NOT NULL,
    password_hash text        NOT NULL,
    role          text        NOT NULL DEFAULT 'player' CHECK (role IN ('player', 'admin', 'service')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX credentials_username ON credentials (lower(username));
