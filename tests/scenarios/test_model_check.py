"""Model check under pytest: the state machine of harness/model.py against a live service.

The same machine runs as `python -m harness scenario model [--quick]`; here it is derandomized and
checks a few hundred steps. GAMELEDGER_MODEL_EXAMPLES and GAMELEDGER_MODEL_STEPS scale it.
"""

import os

from harness.model import QUICK, check_model

EXAMPLES = int(os.environ.get("GAMELEDGER_MODEL_EXAMPLES", str(QUICK[0])))
STEPS = int(os.environ.get("GAMELEDGER_MODEL_STEPS", str(QUICK[1])))


def test_the_api_equals_the_model(live_server: str) -> None:
    tally = check_model(live_server, EXAMPLES, STEPS, derandomize=True)
    print(f"model check: {tally.steps} steps compared with the model")
    assert tally.steps >= min(100, EXAMPLES * STEPS // 2)
