-- The player economy (docs/economy.md): history entries name the counterparty, the memo and
-- the hold. Nullable: entries written before them have none.
ALTER TABLE rm_history
    ADD COLUMN counterparty text,
    ADD COLUMN memo         text,
    ADD COLUMN hold_id      text;
