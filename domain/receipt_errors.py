"""The store receipts' refusals (README: Store receipts): verification, products, claims."""

from domain.errors import DomainError


class StoreNotConfigured(DomainError):
    slug = "store_not_configured"
    title = "This store's receipts are not accepted here"
    category = "not_found"


class ReceiptSignatureInvalid(DomainError):
    slug = "receipt_signature_invalid"
    title = "The receipt's signature does not verify"


class ReceiptCertificateUntrusted(DomainError):
    slug = "receipt_certificate_untrusted"
    title = "The receipt is not signed by a trusted certificate chain"


class ReceiptCertificateExpired(DomainError):
    slug = "receipt_certificate_expired"
    title = "The receipt's signing certificate had expired"


class ReceiptWrongApp(DomainError):
    slug = "receipt_wrong_app"
    title = "The receipt belongs to another app"


class ReceiptWrongEnvironment(DomainError):
    slug = "receipt_wrong_environment"
    title = "The receipt is from another store environment"


class ReceiptNotPurchased(DomainError):
    slug = "receipt_not_purchased"
    title = "The receipt is not of a completed purchase"


class ReceiptUnverifiable(DomainError):
    slug = "receipt_unverifiable"
    title = "The store's certificate status could not be checked; try again"
    category = "unavailable"


class UnknownStoreProduct(DomainError):
    slug = "unknown_store_product"
    title = "The catalog has no such store product"


class ReceiptWrongPlayer(DomainError):
    slug = "receipt_wrong_player"
    title = "The receipt was bought by another player's account"
    category = "forbidden"


class ReceiptAlreadyUsed(DomainError):
    slug = "receipt_already_used"
    title = "The receipt was already credited to another player"
    category = "conflict"
