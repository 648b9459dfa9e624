"""The refusals of webhook endpoints: an address that is not public http(s), an unknown
endpoint or delivery, and event keys no webhook can subscribe to."""

from domain.errors import DomainError


class InvalidWebhookUrl(DomainError):
    slug = "invalid_webhook_url"
    title = "Webhooks are only delivered to public http(s) addresses"
    category = "invalid"


class UnknownWebhook(DomainError):
    slug = "unknown_webhook"
    title = "No such webhook endpoint or delivery"
    category = "not_found"


class InvalidWebhookEvents(DomainError):
    slug = "invalid_webhook_events"
    title = "Unknown event keys for a webhook"
    category = "invalid"
