"""A signup: load the username's claim (and the referral code's) → decide_signup, with the login
stored in the same transaction. Only a referral bonus draws on a treasury shard."""

import secrets

from domain import accounts
from domain.account_errors import UnknownReferralCode, UsernameTaken
from domain.commands import SignUp
from domain.events import Claimed
from domain.ledger import Decision, PlayerState, ShardState
from domain.players import decide_signup
from domain.ports import Credential
from domain.roles import require_player_referrer
from domain.state import player_state
from service.context import Context
from service.job import Heads, Job, Sender
from service.results import SignUpResult, balances_after, player_append
from service.shards import from_shards, random_start

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def new_referral_code() -> str:
    """An unguessable referral code from the OS CSPRNG (32^10 = 2^50 codes)."""
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(10))


def sign_up(ctx: Context, cmd: SignUp, key: str | None, login: Sender) -> Job[SignUpResult]:
    """The job that opens a player with its login, paying referral bonuses for a valid code."""
    player_id = ctx.new_id()
    bonus_ids = (ctx.new_id(), ctx.new_id())
    claims = [accounts.username_stream(cmd.username)]
    if cmd.referral_code is not None:
        claims.append(accounts.referral_stream(cmd.referral_code))

    async def decide(heads: Heads) -> tuple[Decision, SignUpResult]:
        if await heads.latest(claims[0]):
            raise UsernameTaken("this username is taken", username=cmd.username)
        referrer = await _referrer(ctx, heads, cmd.referral_code)
        code = new_referral_code()

        def open_account(shard: ShardState | None) -> Decision:
            return decide_signup(
                cmd,
                player_id=player_id,
                referral_code=code,
                bonus_ids=bonus_ids,
                referrer=referrer,
                shard=shard,
                rules=ctx.rules,
                now=ctx.clock(),
            )

        if referrer is None:
            decision = open_account(None)
        else:
            count = ctx.rules.shard_count
            refusal = "no treasury shard can fund the referral bonus"
            decision = await from_shards(heads, random_start(count), count, open_account, refusal)
        mine = player_append(decision, player_id)
        return decision, SignUpResult(
            player_id=player_id,
            username=cmd.username,
            referral_code=code,
            version=len(mine.events),
            balances=balances_after(mine),
        )

    credential = Credential(
        player_id=player_id,
        username=cmd.username,
        password_hash=login.password_hash,
        role=login.role or "player",
    )
    return Job(
        command=cmd,
        scope=f"signup:{cmd.username.lower()}",
        key=key,
        decide=decide,
        result_type=SignUpResult,
        streams=lambda: claims,
        login=credential,
    )


async def _referrer(ctx: Context, heads: Heads, code: str | None) -> PlayerState | None:
    if code is None:
        return None
    claim = await heads.first(accounts.referral_stream(code))
    if claim is None or not isinstance(claim.event, Claimed):
        raise UnknownReferralCode("no player has this referral code", referralCode=code)
    owner = claim.event.owner
    require_player_referrer(await ctx.roles.privileged(), owner, code)
    return player_state(owner, await heads.latest(accounts.player_account(owner)))
