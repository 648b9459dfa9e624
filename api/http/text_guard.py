"""Text that PostgreSQL cannot store is refused at the door: one check for every route.

PostgreSQL's `text` and `jsonb` hold no NUL character (U+0000), and UTF-8 has no encoding for a
lone UTF-16 surrogate (U+D800-U+DFFF). Either one fails the whole statement it reaches, and with
group commit that statement carries other players' commands too (issue 20: one player's memo
turned 60 of 200 honest purchases into 500s). So no such character passes the HTTP boundary:
this ASGI middleware looks at the path, the query string and the headers before the app sees
the request, and at the body when the app has read all of it, whichever route and however the
route decodes it. The answer is 400 `invalid-text`, naming the field.

What it costs when there is nothing to find: byte searches for NUL in the query string and in
the joined header values, a regex over the path, and two byte searches over the body (a NUL,
then a `\\u` escape): about 1.5 µs a request (docs/performance.md). Only a body holding an
escaped NUL or surrogate, or a raw NUL, is decoded a second time, by the standard library's
`json` (which keeps what msgspec refuses), to name the field.
"""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from litestar.enums import ScopeType
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import ASGIApp, Receive, Scope, Send

from api.http.problems import answer, problem

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# An escaped NUL or surrogate; a surrogate pair matches too, and the decode below clears it.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SENTENCE = "{where} contains a NUL character or an unpaired surrogate, which cannot be stored."


def text_guard_middleware(app: ASGIApp) -> ASGIApp:
    """Wrap `app`: refuse unstorable text in the path, query, headers and body (module doc)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        refusal = _in_request_head(scope)
        if refusal is not None:
            await answer(refusal, scope, receive, send)
            return
        await app(scope, _checked_body(receive), send)

    return middleware


def invalid_text(location: str, field: str) -> ProblemDetailsException:
    """The 400 `invalid-text` problem for `field` of the request's `location`."""
    where = {
        "body": f"The field {field}",
        "query": f"The query parameter {field}",
        "header": f"The header {field}",
        "path": "The path",
    }[location]
    return problem(
        400,
        "invalid-text",
        "The request holds text that cannot be stored",
        f"{location} {field}: a NUL character or an unpaired surrogate",
        {"field": field, "location": location},
        error=_SENTENCE.format(where=where),
    )


def _in_request_head(scope: Scope) -> ProblemDetailsException | None:
    if _UNSTORABLE.search(scope["path"]):
        return invalid_text("path", _printable(scope["path"]))
    query: bytes = scope.get("query_string", b"")
    # Decoding replaces invalid UTF-8 (no surrogate can come out): only NUL needs a look.
    if b"%00" in query or b"\x00" in query:
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if _UNSTORABLE.search(key) or _UNSTORABLE.search(value):
                return invalid_text("query", _printable(key))
    # Header values are read as Latin-1, so NUL is the only character to fear (names are tokens,
    # which the HTTP parser checks). One search over the joined values is the cheap way to look.
    headers = scope["headers"]
    if b"\x00" in b"".join([raw for _, raw in headers]):
        name = next(name for name, raw in headers if b"\x00" in raw)
        return invalid_text("header", _header_name(name))
    return None


def _checked_body(receive: Receive) -> Receive:
    """`receive`, checking the body once its last chunk has arrived."""
    chunks: list[bytes] = []

    async def checked() -> Any:
        message = await receive()
        if message["type"] != "http.request":
            return message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            chunks.clear()
            field = unstorable_field(body)
            if field is not None:
                # Raised inside the route, so Litestar answers it like any other problem.
                raise invalid_text("body", field)
        return message

    return checked


def unstorable_field(body: bytes) -> str | None:
    """The first field of a JSON body holding unstorable text (`""`: the body itself), or None."""
    if b"\x00" not in body and (b"\\u" not in body or not _SUSPECT_ESCAPE.search(body)):
        return None
    try:
        document = json.loads(body, strict=False)  # keeps NUL and lone surrogates
    except ValueError:
        return None  # not JSON: the route's own decoder refuses it
    except RecursionError:
        return "(body)"  # too deep to look inside, and a suspect escape somewhere: refuse
    for path, text in _strings(document):
        if _UNSTORABLE.search(text):
            return path or "(body)"
    return None


def _strings(document: Any) -> Iterator[tuple[str, str]]:
    """Every string of a JSON document, keys included, with its path (`metadata.note`)."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                child = f"{path}.{_printable(key)}" if path else _printable(key)
                yield child, key
                children.append((child, item))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend((f"{path}[{n}]", item) for n, item in reversed(list(enumerate(value))))


def _printable(text: str) -> str:
    # A field's name is echoed in the answer, which must be storable and encodable itself.
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _header_name(name: bytes) -> str:
    return "-".join(part.capitalize() for part in name.decode("latin-1").split("-"))
