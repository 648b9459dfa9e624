"""Google Play purchases, verified the way Play Billing signs them.

The app sends the purchase's original JSON (`purchaseData`) and its `signature`: an RSA
PKCS#1 v1.5 signature with SHA-1 by the app's license key, whose public half the Play Console
shows (GOOGLE_LICENSE_KEY, base64 DER). Then the package name must be this app's and
`purchaseState` 0 (purchased). The order id is the receipt's id.
"""

import base64
import binascii
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from domain.receipt_errors import ReceiptNotPurchased, ReceiptSignatureInvalid, ReceiptWrongApp
from domain.receipts import StorePurchase
from infra.config import ConfigError, Settings


def license_key(encoded: str) -> rsa.RSAPublicKey:
    """The Play Console's license key (base64 DER), or a ConfigError."""
    try:
        key = load_der_public_key(base64.b64decode(encoded, validate=True))
    except (ValueError, binascii.Error) as error:
        raise ConfigError(f"GOOGLE_LICENSE_KEY: not a base64 public key ({error})") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError("GOOGLE_LICENSE_KEY: not an RSA public key")
    return key


class GoogleVerifier:
    """Play Billing purchases, checked against the app's license key and package name."""

    def __init__(self, settings: Settings) -> None:
        assert settings.google_package_name
        assert settings.google_license_key
        self._package = settings.google_package_name
        self._key = license_key(settings.google_license_key)

    def purchase(self, purchase_data: str, signature: str) -> StorePurchase:
        """The verified purchase, or the refusal naming what is wrong."""
        self._check_signature(purchase_data, signature)
        data = _fields(purchase_data)
        if data.get("packageName") != self._package:
            raise ReceiptWrongApp(
                "the purchase is not for this app (package name)",
                packageName=data.get("packageName"),
            )
        if data.get("purchaseState", 0) != 0:
            raise ReceiptNotPurchased(
                "the purchase is not completed (purchaseState is not 0)",
                purchaseState=data.get("purchaseState"),
            )
        order, product = data.get("orderId"), data.get("productId")
        if not isinstance(order, str) or not order or not isinstance(product, str):
            raise ReceiptNotPurchased("the purchase has no orderId or productId")
        quantity = data.get("quantity", 1)
        account = data.get("obfuscatedAccountId")
        return StorePurchase(
            store="google",
            receipt_id=order,
            product_id=product,
            quantity=quantity if isinstance(quantity, int) and quantity > 0 else 1,
            account=account if isinstance(account, str) and account else None,
        )

    def _check_signature(self, purchase_data: str, signature: str) -> None:
        try:
            raw = base64.b64decode(signature, validate=True)
            self._key.verify(raw, purchase_data.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - Play signs so
        except (InvalidSignature, binascii.Error, ValueError):
            raise ReceiptSignatureInvalid(
                "the purchase's signature does not match its data"
            ) from None


def _fields(purchase_data: str) -> dict[str, Any]:
    try:
        data = json.loads(purchase_data)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ReceiptNotPurchased("purchaseData is not a purchase's JSON object")
    return data
