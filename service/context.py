"""What every command's file needs besides its command: the economy, the clock, ids and roles."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from domain.assets import CURRENCY, Catalog
from domain.commands import EconomyRules
from domain.roles import FixedRoles, Roles
from service.shards import ShardPicker


@dataclass
class Context:
    """The economy a command is decided in, and where its time, ids and first shard come from."""

    catalog: Catalog
    rules: EconomyRules
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    shards: ShardPicker  # diamond's
    others: dict[str, ShardPicker] = field(default_factory=dict)
    # A draw in [0, n): the OS CSPRNG; tests inject a fixed sequence.
    roll: Callable[[int], int] = secrets.randbelow
    # The service and admin accounts, which hold no wallet: the API's followed copy
    # (infra/roles.py); tools and tests that name none have nobody privileged.
    roles: Roles = field(default_factory=FixedRoles)

    def picker(self, currency: str) -> ShardPicker:
        """The shard picker of a currency's treasury (each currency has its own shards)."""
        if currency == CURRENCY:
            return self.shards
        return self.others.setdefault(currency, ShardPicker(self.shards.count))
