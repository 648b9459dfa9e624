-- Webhooks: the endpoints operators register, and the durable outbox of deliveries to them.
-- The feed and the webhook consumer keep their cursors in projector_checkpoints (names 'feed'
-- and 'webhooks'), like the projectors; outbox rows commit with the webhook cursor's move.

CREATE TABLE webhook_endpoints (
    id             uuid        PRIMARY KEY,
    url            text        NOT NULL,
    -- Event keys as on the feed's subjects without the prefix: 'transferred.purchase',
    -- 'player_registered'; a key also matches every code under it ('transferred').
    events         text[]      NOT NULL,
    description    text,
    secret         text        NOT NULL,
    enabled        boolean     NOT NULL DEFAULT true,
    disabled_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per (event, endpoint). `status`: pending (due at next_attempt_at), delivered, or
-- failed (retries exhausted, or the endpoint answered 410); `deadline` ends the retries.
CREATE TABLE webhook_deliveries (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        text        NOT NULL,
    event_key       text        NOT NULL,
    global_position bigint      NOT NULL,
    body            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    deadline        timestamptz NOT NULL,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (created_at)
    WHERE status = 'failed';
