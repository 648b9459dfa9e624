"""What every command's file needs besides its command: the economy, the clock and ids."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.assets import Catalog
from domain.commands import EconomyRules
from service.shards import ShardPicker


@dataclass
class Context:
    """The economy a command is decided in, and where its time, ids and first shard come from."""

    catalog: Catalog
    rules: EconomyRules
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    shards: ShardPicker
