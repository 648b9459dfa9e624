"""Read models folded from the event log, and the operators' tools over them.

Each read-model module is a pure fold over a batch of events plus a set-based `apply_batch`;
`runner` tails the log with a cursor that never skips, `rebuild`, `audit` and `replay` serve
operators, `queries` serves the HTTP layer.
"""
