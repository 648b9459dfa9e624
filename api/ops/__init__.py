"""The operators' routes (admin tokens) and the probes operations read.

Where a new operator route goes: players and the economy in admin.py, projectors (audit,
replay, rebuild) in projectors.py, the catalog in catalog.py, escrow in escrow.py, webhooks in
webhooks.py, store receipts in store_notifications.py; /health in health.py, /metrics and /ready
in monitoring.py. Its command-line twin goes in cli/, over the same function of service/."""
