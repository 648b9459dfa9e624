"""The refusals of clawbacks (domain/clawback.py): the API maps them like every DomainError."""

from domain.errors import DomainError


class InvalidClawbackFilter(DomainError):
    slug = "invalid_clawback_filter"
    title = "The clawback's filter is not allowed"


class NothingToClawBack(DomainError):
    slug = "nothing_to_claw_back"
    title = "No transfer matches the clawback's filter"


class ClawbackTooLarge(DomainError):
    slug = "clawback_too_large"
    title = "The clawback matches too many transfers"


class UnknownClawback(DomainError):
    slug = "unknown_clawback"
    title = "No such clawback"
    category = "not_found"
