-- Read models: projections of the event log, rebuilt from it at will (see projections/).
-- Every timestamp here is taken from the events themselves, so a rebuild reproduces each row
-- exactly and "live equals rebuilt" is a plain comparison.

-- One row per projector: how far it has read, as the gap-safe cursor (transaction_id,
-- global_position). Read-model writes and this row commit in the same transaction.
CREATE TABLE projector_checkpoints (
    name            text        PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT '0',
    global_position bigint      NOT NULL DEFAULT 0,
    events_applied  bigint      NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_event_at   timestamptz,
    last_error      text
);

-- A player's wallet: profile, currency balance and the stream version it reflects (what a
-- read-your-writes query waits for). Profile columns are filled by the registration event.
CREATE TABLE rm_players (
    player_id     text        PRIMARY KEY,
    username      text,
    referral_code text,
    referred_by   text,
    balance       bigint      NOT NULL DEFAULT 0,
    version       bigint      NOT NULL,
    registered_at timestamptz,
    updated_at    timestamptz NOT NULL
);

-- Item counts per player, written by the same projector as rm_players (so one version covers
-- both). `version` guards against an older state overwriting a newer one; zero rows are kept.
CREATE TABLE rm_inventory (
    player_id text   NOT NULL,
    item      text   NOT NULL,
    quantity  bigint NOT NULL,
    version   bigint NOT NULL,
    PRIMARY KEY (player_id, item)
);

-- Balances of the accounts that are not players: shards, inflow, issuers.
CREATE TABLE rm_accounts (
    account    text        NOT NULL,
    asset      text        NOT NULL,
    balance    bigint      NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (account, asset)
);

-- The treasury per asset, folded in batches. circulating = issued - shards - inflow (what the
-- players hold); inflow_credited only grows: the sweeper may move it minus what it swept.
CREATE TABLE rm_treasury (
    asset           text        PRIMARY KEY,
    shards          bigint      NOT NULL,
    inflow          bigint      NOT NULL,
    inflow_credited bigint      NOT NULL,
    issued          bigint      NOT NULL,
    circulating     bigint      NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- A player's ledger entries: one row per transfer in the player's stream.
CREATE TABLE rm_history (
    player_id     text        NOT NULL,
    version       bigint      NOT NULL,
    transfer_id   text        NOT NULL,
    code          text        NOT NULL,
    legs          jsonb       NOT NULL,
    balance_after bigint      NOT NULL,
    state_after   jsonb       NOT NULL,
    item          text,
    quantity      bigint,
    reverses      text,
    reason        text,
    occurred_at   timestamptz NOT NULL,
    PRIMARY KEY (player_id, version)
);
-- Named as CREATE TABLE (LIKE ... INCLUDING ALL) names it, so rebuilt tables match.
CREATE INDEX rm_history_occurred_at_idx ON rm_history (occurred_at);
