"""The write side: one file per command and one pipeline that every command goes through.

`api/` calls `LedgerService` (service/ledger.py); each command's file loads its streams and
calls its pure decide function (domain/); service/pipeline.py owns everything around that.
"""
