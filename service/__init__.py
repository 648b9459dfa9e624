"""The write side: one file per command and one pipeline that every command goes through.

A process builds its ledger once (service/bootstrap.py). Every write comes in through
`LedgerService.handle(command, key, sender)` (service/ledger.py), which finds the command's job
in the registry (service/handlers.py); each command's file names the streams it reads and calls
its pure decide function (domain/); service/pipeline.py owns everything around that.
"""
