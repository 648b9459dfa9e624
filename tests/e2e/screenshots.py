"""Refresh the README's screenshots: run the two journeys, which save their pages when asked.

Run `.venv/bin/python -m tests.e2e.screenshots`; it writes docs/screenshots/{player,operator}.png.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = [
    "tests/e2e/test_player_journey.py::test_player_journey",
    "tests/e2e/test_operator_journey.py::test_operator_journey",
]


def main() -> int:
    """Run the journeys with GAMELEDGER_SCREENSHOTS set to docs/screenshots."""
    os.chdir(ROOT)
    os.environ["GAMELEDGER_SCREENSHOTS"] = str(ROOT / "docs" / "screenshots")
    return int(pytest.main(["-q", "-n", "0", *JOURNEYS]))


if __name__ == "__main__":
    sys.exit(main())
