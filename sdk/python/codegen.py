"""Generate gameledger_client/models.py from the service's OpenAPI document, and blocking.py.

    python sdk/python/codegen.py                  # this checkout's app's document, in-process
    python sdk/python/codegen.py --from FILE|URL  # a saved document, or a server's openapi.json
    python sdk/python/codegen.py --check          # exit 1 when models.py differs (writes nothing)

Every schema under `components.schemas` becomes a msgspec Struct: snake_case attributes that
(de)serialise to the API's camelCase names, `T | None = None` for optional members without a
default, and `Literal` for enums. Unknown members of an answer are ignored on decoding, so an
older SDK keeps working against a newer server; members equal to their default are omitted on
encoding, so the server applies its own default.

blocking.py, the blocking client, is aio.py with `async` and `await` taken out (UNASYNC), so the
two clients cannot drift apart.
"""

import argparse
import json
import keyword
import re
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path
from typing import Any

import msgspec

PACKAGE = Path(__file__).resolve().parent / "gameledger_client"
TARGET = PACKAGE / "models.py"
ASYNC_SOURCE = PACKAGE / "aio.py"
BLOCKING = PACKAGE / "blocking.py"
# aio.py -> blocking.py, in this order (the way httpcore's unasync keeps its two clients alike).
UNASYNC = (
    ("The asyncio client. blocking.py is generated from this file (`make sdk`): edit this one.",
     "The blocking client, generated from aio.py by sdk/python/codegen.py: do not edit."),
    ("import asyncio\n", "import threading\nimport time\n"),
    ("asyncio.Lock()", "threading.Lock()"),
    ("asyncio.sleep(", "time.sleep("),
    ("async with ", "with "),
    ("async def ", "def "),
    ("await ", ""),
    ("__aenter__", "__enter__"),
    ("__aexit__", "__exit__"),
    ("aclose", "close"),
    ("AsyncGameLedger", "GameLedger"),
    ("httpx.AsyncClient", "httpx.Client"),
)  # fmt: skip
WIDTH = 100
HEADER = '''"""The API's types, generated from /schema/openapi.json by sdk/python/codegen.py.

Do not edit: `make sdk` regenerates this file, and tests/sdk/test_python_sdk.py fails when it
differs from the service's live OpenAPI document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec


class Model(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """Base of every generated type: camelCase on the wire, defaults left out of requests."""
'''

Schema = dict[str, Any]


def snake(name: str) -> str:
    """`referralCode` -> `referral_code`; a Python keyword gets a trailing underscore."""
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return text + "_" if keyword.iskeyword(text) else text


def camel(attribute: str) -> str:
    """What msgspec's `rename="camel"` sends for `attribute`."""
    probe = msgspec.defstruct("Probe", [(attribute, int)], rename="camel")
    return str(probe.__struct_encode_fields__[0])


def annotation(schema: Schema) -> str:
    """The Python type of a schema."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    options = schema.get("oneOf") or schema.get("anyOf")
    if options:
        return union([annotation(option) for option in options])
    if "const" in schema:
        return f"Literal[{json.dumps(schema['const'])}]"
    if "enum" in schema:
        return "Literal[" + ", ".join(json.dumps(value) for value in schema["enum"]) + "]"
    kind = schema.get("type")
    if isinstance(kind, list):
        return union([annotation({**schema, "type": one}) for one in kind])
    return _plain(kind, schema)


def _plain(kind: str | None, schema: Schema) -> str:
    if kind == "string":
        return "datetime" if schema.get("format") == "date-time" else "str"
    if kind == "array":
        return f"list[{annotation(schema.get('items', {}))}]"
    if kind == "object":
        values = schema.get("additionalProperties")
        return f"dict[str, {annotation(values)}]" if isinstance(values, dict) else "dict[str, Any]"
    simple = {"integer": "int", "number": "float", "boolean": "bool", "null": "None"}
    return simple.get(kind or "", "Any")


def union(parts: list[str]) -> str:
    """`A | B | None`, with None last and no repeats."""
    ordered = list(dict.fromkeys(p for p in parts if p != "None"))
    return " | ".join(ordered + (["None"] if "None" in parts else []))


def default(schema: Schema, required: bool) -> str | None:
    """The Python default of a member (None: the member is required)."""
    if required:
        return None
    if "default" not in schema:
        return "None"
    value = schema["default"]
    if isinstance(value, list | dict):
        return f"msgspec.field(default_factory={type(value).__name__})"
    return repr(value) if isinstance(value, bool) or value is None else json.dumps(value)


def member(name: str, schema: Schema, required: bool) -> list[str]:
    """The lines of one attribute: its description as a comment, then the declaration."""
    attribute = snake(name)
    kind = annotation(schema)
    value = default(schema, required)
    if value == "None" and not kind.endswith("None"):
        kind += " | None"
    if camel(attribute) != name:
        named = f"name={json.dumps(name)}"
        value = (
            f"msgspec.field({named})"
            if value is None
            else f"msgspec.field(default={value}, {named})"
        )
    line = f"    {attribute}: {kind}" + ("" if value is None else f" = {value}")
    return [*comment(schema.get("description"), "    "), line]


def comment(text: str | None, indent: str) -> list[str]:
    """A description as `#` lines that fit the width."""
    if not text:
        return []
    return textwrap.wrap(text, WIDTH, initial_indent=indent + "# ", subsequent_indent=indent + "# ")


def struct(name: str, schema: Schema) -> list[str]:
    """One schema as a Struct (an object without properties as an alias of a dict)."""
    if "properties" not in schema:
        return [f"{name} = {annotation(schema)}"]
    doc = schema.get("description")
    lines = [f"class {name}(Model, kw_only=True):", *([*docstring(doc), ""] if doc else [])]
    required = set(schema.get("required", []))
    for prop, sub in sorted(schema["properties"].items()):
        lines += member(prop, sub, prop in required)
    return lines


def docstring(text: str) -> list[str]:
    """A class docstring that fits the width."""
    text = " ".join(text.replace('"""', "'''").split())
    if len(text) + 10 <= WIDTH:
        return [f'    """{text}"""']
    wrapped = textwrap.wrap(text, WIDTH - 4, initial_indent='"""')
    return ["    " + line for line in wrapped] + ['    """']


def render(document: Schema) -> str:
    """The text of models.py for an OpenAPI document."""
    schemas = document.get("components", {}).get("schemas", {})
    blocks = [HEADER.rstrip("\n")]
    blocks += ["\n".join(struct(name, schemas[name])) for name in sorted(schemas)]
    return "\n\n\n".join(blocks) + "\n"


def blocking(source: str) -> str:
    """The blocking client's text from the async one's."""
    for old, new in UNASYNC:
        if old not in source:
            raise ValueError(f"aio.py no longer contains {old!r}: update UNASYNC")
        source = source.replace(old, new)
    return source


def formatted(text: str, target: Path) -> str:
    """`text` as `ruff format` leaves it (the checkout's settings, e.g. the line length)."""
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(  # noqa: S603 - the venv's own ruff, fixed arguments
        [str(ruff), "format", "--stdin-filename", str(target), "-"],
        input=text, capture_output=True, text=True, check=True, cwd=target.parent,
    )  # fmt: skip
    return done.stdout


def generated(document: Schema) -> dict[Path, str]:
    """Every generated file's path and text."""
    return {
        TARGET: formatted(render(document), TARGET),
        BLOCKING: formatted(blocking(ASYNC_SOURCE.read_text()), BLOCKING),
    }


def app_document() -> Schema:
    """The OpenAPI document of this checkout's app, built in-process (no server, no database)."""
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from api.http.app import create_app
    from infra.settings import Settings

    settings = Settings(environment="test", jwt_secret="codegen-" + "x" * 40)
    app = create_app(settings, dsn="postgresql://codegen@127.0.0.1:5432/codegen")
    document: Schema = app.openapi_schema.to_schema()
    return document


def load(source: str | None) -> Schema:
    """The document from a file, a URL, or (None) the app in-process."""
    if source is None:
        return app_document()
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as reply:  # noqa: S310 - http(s) only
            document: Schema = json.load(reply)
            return document
    loaded: Schema = json.loads(Path(source).read_text())
    return loaded


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) models.py and blocking.py."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", help="an OpenAPI JSON file or URL")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    stale = 0
    for path, text in generated(load(args.source)).items():
        same = path.exists() and path.read_text() == text
        stale += not same
        if args.check:
            print(f"{path.name}: {'up to date' if same else 'differs: run make sdk'}")
        elif not same:
            path.write_text(text)
            print(f"wrote {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
