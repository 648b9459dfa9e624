"""`gameledger receipts refund ORDER_ID [--reason TEXT]`: record a Google Play refund.

Google's refund notifications carry only a purchase token that Google's own API must resolve,
so an operator records the refund by order id (the same as
`POST /admin/receipts/google/{orderId}/refund`). Apple's refunds arrive by notification.
"""

import argparse
import sys
from typing import Any

from cli.common import live_catalog, settings_of
from domain.commands import StoreRefund
from domain.errors import DomainError
from infra.db import create_pool
from service.bootstrap import bootstrap


def register(subparsers: Any) -> None:
    """Add the `receipts` command."""
    receipts = subparsers.add_parser("receipts", help="store receipts: record a Google refund")
    commands = receipts.add_subparsers(dest="receipts_command", required=True)
    refund = commands.add_parser(
        "refund", help="take a refunded Google Play order's grant back (debt for what was spent)"
    )
    refund.add_argument("order_id", metavar="ORDER_ID", help="the purchase's orderId (GPA....)")
    refund.add_argument("--reason", default="google refund", help="recorded on the refund")
    refund.set_defaults(func=_refund)


async def _refund(args: argparse.Namespace, dsn: str) -> int:
    settings = settings_of(args)
    pool = await create_pool(dsn, settings, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            live = await live_catalog(conn)
        ledger = bootstrap(settings, pool, catalog=live)
        try:
            await ledger.align_with_genesis()
            command = StoreRefund(store="google", receipt_id=args.order_id, reason=args.reason)
            result = await ledger.handle(command)
        finally:
            await ledger.close()
    except DomainError as error:
        print(f"gameledger: {error.detail}: {args.order_id}", file=sys.stderr)
        return 1
    finally:
        await pool.close()
    print(f"refund {result.transfer_id} of order {args.order_id}; balances {result.balances}")
    return 0
