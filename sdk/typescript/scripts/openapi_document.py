"""Write the service's OpenAPI document, as `GET /schema/openapi.json` serves it, to a file.

`make sdk` and the staleness test (tests/sdk/test_typescript_sdk.py) both run this, then
`scripts/generate.mjs`, so the committed types and the check come from one pipeline. The app is
built in-process and never started: no database is reached.

The keys are sorted: the served document is the same from one process to the next, but not the
order of all its keys (Litestar fills the response headers' map from a set, whose order follows
the process's string hashing), and the order of the keys is the order of the generated types.

Usage: python sdk/typescript/scripts/openapi_document.py OUTPUT.json (from the repository root).
"""

import json
import sys
from pathlib import Path

from api.http.app import create_app
from infra.settings import Settings

# The document does not depend on these: they only let the app be built without side effects
# (no development secret written under .gameledger/).
_SETTINGS = Settings(environment="test", jwt_secret="openapi-document-" + "x" * 32)
_DSN = "postgresql://openapi@127.0.0.1:1/unused"


def document() -> dict[str, object]:
    """The OpenAPI document of the app built with default settings."""
    app = create_app(_SETTINGS, dsn=_DSN)
    schema: dict[str, object] = app.openapi_schema.to_schema()
    return schema


def main(argv: list[str]) -> int:
    """Write the document to argv[1] as indented JSON with a final newline."""
    if len(argv) != 2:
        print("usage: openapi_document.py OUTPUT.json", file=sys.stderr)
        return 2
    text = json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    Path(argv[1]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
