"""App Store receipts, verified with Apple's own `app-store-server-library`.

`SignedDataVerifier` checks the JWS's ES256 signature with the leaf certificate of its `x5c`
chain, the chain up to one of the trusted roots (APPLE_ROOT_CERTIFICATES) with Apple's marker
extensions on the leaf and intermediate, and the bundle id and environment (the app id too, on
notifications in production). With online checks on it also asks Apple's OCSP responder
whether the chain was revoked and validates it at the current time; with them off (tests) it
validates the chain at the transaction's `signedDate`. Its calls block (OCSP is an HTTP
request): call them from a worker thread.
"""

from pathlib import Path

from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.signed_data_verifier import (
    SignedDataVerifier,
    VerificationException,
    VerificationStatus,
)
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL.crypto import X509StoreContextError

from domain.errors import DomainError
from domain.receipt_errors import (
    ReceiptCertificateExpired,
    ReceiptCertificateUntrusted,
    ReceiptNotPurchased,
    ReceiptSignatureInvalid,
    ReceiptUnverifiable,
    ReceiptWrongApp,
    ReceiptWrongEnvironment,
)
from domain.receipts import StorePurchase
from infra.config import ConfigError, Settings

# OpenSSL's verify errors for a certificate outside its validity period.
_EXPIRED = frozenset({9, 10})  # X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
_ENVIRONMENTS = {"production": Environment.PRODUCTION, "sandbox": Environment.SANDBOX}
# The notifications that take a purchase back.
CLAWBACK = frozenset({"REFUND", "REVOKE"})


def read_roots(paths: tuple[str, ...]) -> list[bytes]:
    """The trusted roots as DER, from DER or PEM files (ConfigError naming a bad file)."""
    roots = []
    for path in paths:
        try:
            raw = Path(path).read_bytes()
            certificate = (
                x509.load_pem_x509_certificate(raw)
                if raw.lstrip().startswith(b"-----")
                else x509.load_der_x509_certificate(raw)
            )
        except (OSError, ValueError) as error:
            raise ConfigError(f"APPLE_ROOT_CERTIFICATES={path!r}: {error}") from None
        roots.append(certificate.public_bytes(Encoding.DER))
    return roots


class AppleVerifier:
    """StoreKit 2 signed transactions and App Store Server Notifications V2, verified."""

    def __init__(self, settings: Settings) -> None:
        assert settings.apple_bundle_id is not None
        self._verifier = SignedDataVerifier(
            read_roots(settings.apple_root_certificates),
            settings.apple_online_checks,
            _ENVIRONMENTS[settings.apple_environment],
            settings.apple_bundle_id,
            settings.apple_app_id,
        )

    def transaction(self, signed_transaction: str) -> StorePurchase:
        """The verified purchase of a consumable's signed transaction (blocking)."""
        try:
            payload = self._verifier.verify_and_decode_signed_transaction(signed_transaction)
        except VerificationException as error:
            raise refusal(error) from None
        if payload.revocationDate is not None:
            raise ReceiptNotPurchased(
                "Apple has revoked or refunded this transaction",
                transactionId=payload.transactionId,
            )
        return StorePurchase(
            store="apple",
            receipt_id=str(payload.transactionId),
            product_id=str(payload.productId),
            quantity=payload.quantity or 1,
            account=payload.appAccountToken,
        )

    def clawback(self, signed_payload: str) -> tuple[str, str] | None:
        """The transactionId and type of a verified REFUND or REVOKE notification (blocking);
        None for any other notification."""
        try:
            note = self._verifier.verify_and_decode_notification(signed_payload)
            kind = note.rawNotificationType
            signed = note.data.signedTransactionInfo if note.data is not None else None
            if kind not in CLAWBACK or not signed:
                return None
            payload = self._verifier.verify_and_decode_signed_transaction(signed)
        except VerificationException as error:
            raise refusal(error) from None
        return str(payload.transactionId), str(kind)


def refusal(error: VerificationException) -> DomainError:
    """The problem for a receipt SignedDataVerifier refused, by what it found wrong."""
    status, cause = error.status, error.__cause__
    if status == VerificationStatus.INVALID_APP_IDENTIFIER:
        return ReceiptWrongApp("the receipt is not for this app (bundle id or app id)")
    if status == VerificationStatus.INVALID_ENVIRONMENT:
        return ReceiptWrongEnvironment("the receipt is from another App Store environment")
    if status == VerificationStatus.RETRYABLE_VERIFICATION_FAILURE:
        return ReceiptUnverifiable("Apple's certificate status service did not answer")
    if isinstance(cause, X509StoreContextError) and cause.errors and cause.errors[0] in _EXPIRED:
        return ReceiptCertificateExpired("the certificate that signed the receipt had expired")
    if (
        isinstance(cause, X509StoreContextError)
        or status != VerificationStatus.VERIFICATION_FAILURE
    ):
        return ReceiptCertificateUntrusted("the receipt's certificate chain is not Apple's")
    if isinstance(cause, x509.ExtensionNotFound):  # a chain without Apple's markers
        return ReceiptCertificateUntrusted("the receipt's certificate chain is not Apple's")
    return ReceiptSignatureInvalid("the receipt's signature does not match its contents")
