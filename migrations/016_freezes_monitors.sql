-- Live operations (DESIGN-NOTES note 16). Freezes and monitors are events on `freeze:<id>` and
-- `monitor:<id>` streams; every process follows the freezes several times a second and the
-- operators list the monitors, through these partial indexes (a handful of rows each).
CREATE INDEX events_freeze_streams ON events (global_position) WHERE stream_id LIKE 'freeze:%';
CREATE INDEX events_monitor_streams ON events (global_position)
    WHERE stream_id LIKE 'monitor:%' AND version = 1;

-- The monitors projector (projections/monitors.py): each monitor's rule and state, per-second
-- buckets of what its rule counts (per player for player_inflow, else subject ''), the
-- subjects firing now, and each asset's treasury (shards + inflow) for treasury_low.
CREATE TABLE rm_monitors (
    monitor_id     text        PRIMARY KEY,
    name           text        NOT NULL,
    rule           jsonb       NOT NULL,
    action         text        NOT NULL,
    state          text        NOT NULL DEFAULT 'ok',
    last_value     bigint,
    fired_at       timestamptz,
    fired          bigint      NOT NULL DEFAULT 0
);

CREATE TABLE rm_monitor_buckets (
    monitor_id text   NOT NULL,
    subject    text   NOT NULL,
    second     bigint NOT NULL,
    amount     bigint NOT NULL,
    PRIMARY KEY (monitor_id, subject, second)
);

CREATE TABLE rm_monitor_firing (
    monitor_id text        NOT NULL,
    subject    text        NOT NULL,
    label      text        NOT NULL,
    fired_at   timestamptz NOT NULL,
    PRIMARY KEY (monitor_id, subject)
);

CREATE TABLE rm_monitor_treasury (
    asset    text   PRIMARY KEY,
    treasury bigint NOT NULL
);
