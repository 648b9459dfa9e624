"""Adapters: configuration, the PostgreSQL pool and event store, logging, embedded server."""
