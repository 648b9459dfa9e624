"""The NATS JetStream adapter of the change feed: the stream, ordered publishing, the last id.

Publishing is pipelined: a batch goes out without waiting for each acknowledgement, then every
acknowledgement is awaited. Each message but a batch's first carries
`Nats-Expected-Last-Msg-Id` = its predecessor's id, so JetStream stores a batch in order or
refuses the rest of it: a message lost in the middle can never be overtaken by the next one.
JetStream checks `Nats-Msg-Id` against its duplicate window before that expectation, so a
repeat of a stored message is acknowledged as a duplicate rather than refused.

The client never reconnects by itself (a reconnecting client would replay its buffered
publishes behind our back): a failure closes the connection and the feed starts over from a
fresh one, after looking the stream's last message up again.
"""

import asyncio
import contextlib
from collections.abc import Sequence

import msgspec
import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

MSG_ID = "Nats-Msg-Id"
EXPECTED_LAST = "Nats-Expected-Last-Msg-Id"

# Everything the client can raise when the broker is away or refuses: the feed then starts over.
BROKER_ERRORS: tuple[type[BaseException], ...] = (NatsError, OSError, TimeoutError)


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """One message for the stream: its subject, its stable id and its JSON body."""

    subject: str
    msg_id: str
    body: bytes


class Published(msgspec.Struct, frozen=True, kw_only=True):
    """What JetStream acknowledged for a batch."""

    stored: int
    duplicates: int
    last_seq: int


class Broker:
    """One connection to NATS and the feed's stream on it."""

    def __init__(self, client: Client, stream: str, timeout: float) -> None:
        self._nc = client
        self._js = client.jetstream(timeout=timeout)
        self.stream = stream
        self.timeout = timeout

    @classmethod
    async def connect(cls, url: str, stream: str, wait: float = 5.0) -> "Broker":
        """Connect to `url` (comma-separated servers), without automatic reconnection."""
        client = await nats.connect(
            servers=[u.strip() for u in url.split(",") if u.strip()],
            allow_reconnect=False,
            connect_timeout=wait,
            max_reconnect_attempts=0,
            name="gameledger-feed",
        )
        return cls(client, stream, wait)

    async def ensure_stream(
        self, subjects: list[str], max_age: float, duplicate_window: float, replicas: int = 1
    ) -> None:
        """Create the stream if it is missing; align its retention and copies with the
        settings if not (JetStream moves a stream from one copy to three and back)."""
        config = StreamConfig(
            name=self.stream,
            subjects=subjects,
            max_age=max_age,
            duplicate_window=duplicate_window,
            num_replicas=replicas,
        )
        try:
            info = await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(config)
            return
        current = info.config
        wanted = (max_age, duplicate_window, replicas)
        if (current.max_age or 0.0, current.duplicate_window, current.num_replicas or 1) != wanted:
            current.max_age, current.duplicate_window = max_age, duplicate_window
            current.num_replicas = replicas
            await self._js.update_stream(current)

    async def last_msg_id(self, subjects: str) -> str | None:
        """The `Nats-Msg-Id` of the newest message on `subjects` (None if there is none)."""
        try:
            message = await self._js.get_last_msg(self.stream, subjects)
        except NotFoundError:
            return None
        return (message.headers or {}).get(MSG_ID)

    async def publish(self, messages: Sequence[Message]) -> Published:
        """Publish `messages` in order and wait for every acknowledgement (or raise)."""
        futures = []
        for index, message in enumerate(messages):
            headers = {MSG_ID: message.msg_id}
            if index:
                headers[EXPECTED_LAST] = messages[index - 1].msg_id
            futures.append(
                await self._js.publish_async(
                    message.subject, message.body, wait_stall=self.timeout, headers=headers
                )
            )
        try:
            async with asyncio.timeout(self.timeout):
                acks = await asyncio.gather(*futures)
        finally:
            for future in futures:
                future.cancel()
        duplicates = sum(1 for ack in acks if ack.duplicate)
        return Published(
            stored=len(acks) - duplicates,
            duplicates=duplicates,
            last_seq=acks[-1].seq if acks else 0,
        )

    async def close(self) -> None:
        """Drop the connection (buffered publishes are discarded, never replayed)."""
        with contextlib.suppress(Exception):
            await self._nc.close()
