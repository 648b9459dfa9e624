-- One wallet row per player (issue 22): everything GET /balance answers, so the read is a
-- primary-key probe plus the stream's head. Written by the players projector in the batch's
-- transaction (with rm_players and rm_inventory, on the same checkpoint), so `version` says
-- the player's events up to it are in every column, `held` and `debt` included.
--   state:  the player's balances per asset, the newest event's `state_after` as stored
--   held:   what the player's open escrows (pending holds, open trade offers) set aside
--   debt:   the newest `debt_after` of the player's debt stream
--   timed:  the newest event's time-based state (domain/timed.py), as stored; NULL for none
CREATE TABLE rm_wallets (
    player_id     text        PRIMARY KEY,
    version       bigint      NOT NULL,
    username      text,
    referral_code text,
    state         jsonb       NOT NULL DEFAULT '{}',
    held          jsonb       NOT NULL DEFAULT '{}',
    debt          jsonb       NOT NULL DEFAULT '{}',
    debt_version  bigint      NOT NULL DEFAULT 0,
    timed         jsonb,
    updated_at    timestamptz NOT NULL
);

-- The open escrows (hold and trade accounts) and whose wallet they set aside, per asset: a
-- close names only the escrow's account, so the projector finds the owner here.
CREATE TABLE rm_wallet_escrows (
    escrow    text  PRIMARY KEY,
    player_id text  NOT NULL,
    amounts   jsonb NOT NULL
);
CREATE INDEX rm_wallet_escrows_player_id_idx ON rm_wallet_escrows (player_id);

-- Existing databases: the players projector folds the new tables from the start of the log.
-- Its checkpoint goes back to the start (its other tables take the same rows again: their
-- upserts keep the newest version), so no wallet is missing after the upgrade.
DELETE FROM projector_checkpoints WHERE name = 'players';
