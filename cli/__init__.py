"""The `gameledger` command line (main.py): serve, migrate, seed, config and the operators'
tools, one module per command group. It imports no room of api/: what a command shares with a
route lives in service/."""
