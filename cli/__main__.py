"""`python -m cli`: the same as the `gameledger` command."""

import sys

from cli.main import main

sys.exit(main())
