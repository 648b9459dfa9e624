"""The first half of the write pipeline (service/pipeline.py): a group's jobs decided into the
writes of one statement. `Planner._plan` loads the heads every job names (and the streams named
by what was loaded) with the idempotency keys' records; `Planner._one` checks a job's metadata,
replays a retried key (or the same key twice in one group), refuses what a freeze stops, calls
the job's decision, stamps it and keeps the key's record to be written with its events."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import DomainError
from domain.freezes import FreezeIndex, blocking, refusal
from domain.ledger import Decision
from domain.metadata import check_metadata, stamp
from domain.ports import IdempotencyRecord, Key, Session, Write
from service.idempotency import fingerprint, record, replay, reused
from service.job import Heads, Job, Outcome
from service.shards import one_shard_per_group


@dataclass
class Plan:
    outcomes: list[Outcome] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    seen: dict[Key, tuple[str, int]] = field(default_factory=dict)
    touched: list[frozenset[str]] = field(default_factory=list)  # per job: streams it writes


class Planner:
    """The half of `Pipeline` that plans a group's writes; `Pipeline` sets its clock and freezes."""

    clock: Callable[[], datetime]
    freezes: FreezeIndex

    async def _plan(
        self, session: Session, jobs: Sequence[Job[Any]], batch: dict[str, str]
    ) -> Plan:
        keys = [key for job in jobs if (key := job.idempotency()) is not None]
        with one_shard_per_group():  # the group's top-ups draw on one shard (service/shards.py)
            streams = list(dict.fromkeys(s for job in jobs for s in job.streams()))
        loaded, records = await session.load(streams, keys)
        known = {s: loaded.get(s) for s in streams}
        more = list(dict.fromkeys(s for job in jobs for s in job.follow(known) if s not in known))
        if more:  # named by what was just loaded: one more round trip for the whole group
            found, _ = await session.load(more, [])
            known.update({s: found.get(s) for s in more})
        heads = Heads(session, known)
        plan = Plan()
        written = 0
        for job in jobs:
            outcome = await self._one(job, heads, records, plan, batch)
            plan.outcomes.append(outcome)
            plan.touched.append(
                frozenset(a.stream for w in plan.writes[written:] for a in w.appends)
            )
            written = len(plan.writes)
        return plan

    async def _one(
        self,
        job: Job[Any],
        heads: Heads,
        records: dict[Key, IdempotencyRecord],
        plan: Plan,
        batch: dict[str, str],
    ) -> Outcome:
        key = job.idempotency()
        try:
            check_metadata(job.command.metadata)
            digest = fingerprint(job.command) if key is not None else ""
            if key is not None and key in records:
                found = replay(records[key], digest, job.result_type)
                return Outcome(result=found, replayed=True)
            if key is not None and key in plan.seen:  # the same key twice in one group
                earlier, index = plan.seen[key]
                if earlier != digest:
                    raise reused(key[2])
                return Outcome(result=plan.outcomes[index].result, replayed=True)
            self._refuse_frozen(job)
            decision, result = await job.decide(heads)
            self._refuse_frozen(job, decision)
        except DomainError as error:
            return Outcome(error=error)
        if not decision.appends:
            return Outcome(result=result)
        decision = stamp(decision, job.command.metadata)
        heads.advance(decision, self.clock())
        meta: dict[str, Any] = {
            **job.metadata,
            "transfer_id": getattr(result, "transfer_id", None),
            **batch,
        }
        if key is not None:
            meta["idempotency_key"] = key[2]
            plan.seen[key] = (digest, len(plan.outcomes))
        kept = record(key, digest, result) if key is not None else None
        plan.writes.append(
            Write(appends=decision.appends, metadata=meta, record=kept, login=job.login)
        )
        return Outcome(result=result, written=True)

    def _refuse_frozen(self, job: Job[Any], decision: Decision | None = None) -> None:
        """Refuse (423 `frozen`) a job a freeze stops: its acting player before it decides,
        then what its decision would move (domain/freezes.py); corrections always pass."""
        freezes = self.freezes
        if not freezes or job.correction:
            return
        found = freezes.of("player", job.scope) if decision is None else blocking(freezes, decision)
        if found is not None:
            raise refusal(found)
