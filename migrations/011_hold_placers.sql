-- Holds belong to the account that placed them (issue 20): the placer's player id, and the
-- position of the hold's first event, which orders GET /holds and is its page cursor.
ALTER TABLE rm_holds
    ADD COLUMN placed_by       text,
    ADD COLUMN placed_position bigint;

-- Rows projected before: their position from the log. Their placer stays NULL (unknown): the
-- events of holds placed before this release do not record one.
UPDATE rm_holds AS h
   SET placed_position = e.global_position,
       placed_by = e.payload->>'placed_by'
  FROM events AS e
 WHERE e.stream_id = 'hold:' || h.hold_id AND e.version = 1;

-- GET /holds: one game server's holds (an operator's: every hold), newest first, one backward
-- range per page. Named as CREATE TABLE (LIKE ... INCLUDING ALL) names them, so rebuilt tables
-- match.
CREATE INDEX rm_holds_placed_by_placed_position_idx ON rm_holds (placed_by, placed_position);
CREATE INDEX rm_holds_placed_position_idx ON rm_holds (placed_position);
