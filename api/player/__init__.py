"""The routes a player's token reaches: accounts and sessions, the wallet, gifts, trades, the
catalog and store receipts. Each controller sits beside its schemas."""
