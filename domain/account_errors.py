"""The refusals about accounts: a username that is not allowed or is taken, a password that is
not allowed, an unknown player or referral code, a service or admin account where a player's
wallet is needed, and accounts' roles that cannot be read right now."""

from domain.errors import DomainError


class InvalidUsername(DomainError):
    slug = "invalid_username"
    title = "The username is not allowed"
    category = "invalid"


class InvalidPassword(DomainError):
    slug = "invalid_password"
    title = "The password is not allowed"
    category = "invalid"


class UnknownReferralCode(DomainError):
    slug = "unknown_referral_code"
    title = "No player has this referral code"


class UnknownPlayer(DomainError):
    slug = "unknown_player"
    title = "No such player"
    category = "not_found"


class UsernameTaken(DomainError):
    slug = "username_taken"
    title = "The username is taken"
    category = "conflict"


class NotAPlayer(DomainError):
    slug = "not_a_player"
    title = "Service and admin accounts hold no wallet"


class RolesUnavailable(DomainError):
    # The answer a stale copy of the revocations gets too: the same 503, the same retry.
    slug = "database_unavailable"
    title = "The database is unavailable"
    category = "unavailable"
