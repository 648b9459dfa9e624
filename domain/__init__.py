"""The pure core of gameledger: assets, accounts, events, commands and decisions.

Imports only the standard library and msgspec; no I/O, no clock, no randomness.
"""
