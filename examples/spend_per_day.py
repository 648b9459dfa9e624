"""Each player's spend per day, kept from the gameledger feed (docs/feed.md).

    python examples/spend_per_day.py nats://127.0.0.1:4222 GAMELEDGER gameledger

Reads the stream from its start with an ordered consumer and prints a JSON object
{player stream: {day: diamonds spent}} once it has caught up. A purchase's leg on the player's
own account is negative; a reversal that credits the player (a refunded purchase) gives it back.
"""

import asyncio
import json
import sys
from collections import defaultdict

import nats
import nats.errors


async def main(url: str, stream: str, prefix: str) -> dict[str, dict[str, int]]:
    spend: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    client = await nats.connect(url)
    js = client.jetstream()
    pending = (await js.stream_info(stream)).state.messages
    sub = await js.subscribe(f"{prefix}.player.transferred.>", stream=stream, ordered_consumer=True)
    while pending:
        try:
            msg = await sub.next_msg(timeout=5)
        except nats.errors.TimeoutError:
            break  # nothing (more) on these subjects
        event, pending = json.loads(msg.data), msg.metadata.num_pending
        legs, code = event["event"]["legs"], event["event"]["code"]
        own = sum(
            leg["amount"]
            for leg in legs
            if leg["account"] == event["streamId"] and leg["asset"] == "diamond"
        )
        if code == "purchase" or (code == "reversal" and own > 0):
            spend[event["streamId"]][event["occurredAt"][:10]] -= own
    await client.close()
    return spend


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:4])), sort_keys=True))
