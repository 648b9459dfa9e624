"""Test stores: an App Store certificate chain made here (root, intermediate, leaf) that signs
StoreKit 2 transactions and server notifications, and a Play license key that signs purchases.

Nothing reaches Apple or Google: the server trusts this root through APPLE_ROOT_CERTIFICATES
with online (OCSP) checks off, and this license key through GOOGLE_LICENSE_KEY.
"""

import base64
import datetime
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

BUNDLE_ID = "com.studio.game"
PACKAGE_NAME = "com.studio.game"
APP_ID = 1234567890
# Apple's marker extensions: on the WWDR intermediate and on the App Store signing leaf.
INTERMEDIATE_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")
LEAF_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")
NOW = datetime.datetime.now(datetime.UTC)
YEAR = datetime.timedelta(days=365)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool,
    marker: x509.ObjectIdentifier | None = None,
    not_after: datetime.datetime | None = None,
) -> x509.Certificate:
    issuer_name = issuer[0].subject if issuer else _name(subject)
    signer = issuer[1] if issuer else key
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - YEAR)
        .not_valid_after(not_after or NOW + YEAR)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer:
        authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key())
        builder = builder.add_extension(authority, critical=False)
    if marker is not None:
        builder = builder.add_extension(x509.UnrecognizedExtension(marker, b"\x05\x00"), False)
    return builder.sign(signer, hashes.SHA256())


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


class AppleChain:
    """A root and an intermediate, and leaves under them that sign (one of them expired)."""

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _certificate("Test Root CA", self.root_key, None, ca=True)
        self.middle_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = _certificate(
            "Test WWDR",
            self.middle_key,
            (self.root, self.root_key),
            ca=True,
            marker=INTERMEDIATE_OID,
        )
        self.leaves = {expired: self._leaf(expired) for expired in (False, True)}

    def _leaf(self, expired: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        ended = NOW - datetime.timedelta(days=1) if expired else None
        issuer = (self.intermediate, self.middle_key)
        leaf = _certificate(
            "Test App Store signing", key, issuer, ca=False, marker=LEAF_OID, not_after=ended
        )
        return leaf, key

    def write_root(self, directory: Path) -> Path:
        """The root certificate as a DER file (the APPLE_ROOT_CERTIFICATES setting)."""
        path = directory / f"root-{id(self)}.cer"
        path.write_bytes(_der(self.root))
        return path

    def sign(self, payload: dict[str, Any], *, expired: bool = False) -> str:
        """A JWS of `payload` signed by a leaf, with the chain in its x5c header."""
        leaf, key = self.leaves[expired]
        chain = (leaf, self.intermediate, self.root)
        x5c = [base64.b64encode(_der(c)).decode() for c in chain]
        return jwt.encode(payload, key, algorithm="ES256", headers={"x5c": x5c})


def millis() -> int:
    """Now in Unix milliseconds (Apple's dates)."""
    return int(time.time() * 1000)


def transaction(
    transaction_id: str,
    product_id: str = "com.studio.diamonds100",
    *,
    bundle_id: str = BUNDLE_ID,
    environment: str = "Sandbox",
    quantity: int = 1,
    account: str | None = None,
) -> dict[str, Any]:
    """A StoreKit 2 transaction's payload (JWSTransactionDecodedPayload) for a consumable."""
    now = millis()
    bound = {} if account is None else {"appAccountToken": account}
    return bound | {
        "transactionId": transaction_id,
        "originalTransactionId": transaction_id,
        "bundleId": bundle_id,
        "productId": product_id,
        "purchaseDate": now,
        "originalPurchaseDate": now,
        "signedDate": now,
        "quantity": quantity,
        "type": "Consumable",
        "inAppOwnershipType": "PURCHASED",
        "environment": environment,
        "transactionReason": "PURCHASE",
        "storefront": "USA",
    }


def tampered(jws: str, **changes: Any) -> str:
    """The JWS with its payload changed and the original signature kept."""
    header, body, signature = jws.split(".")
    padded = body + "=" * (-len(body) % 4)
    payload = json.loads(base64.urlsafe_b64decode(padded)) | changes
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


@dataclass
class PlayKey:
    """A Play Console license key pair: the server gets the public half (base64 DER)."""

    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))

    @property
    def public(self) -> str:
        """GOOGLE_LICENSE_KEY as the Play Console shows it."""
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def sign(self, purchase_data: str) -> str:
        """The purchase's signature (SHA1withRSA, base64), as Play Billing returns it."""
        raw = self.key.sign(purchase_data.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
        return base64.b64encode(raw).decode()


def play_purchase(
    order_id: str,
    product_id: str = "com.studio.diamonds100",
    *,
    package_name: str = PACKAGE_NAME,
    state: int = 0,
) -> str:
    """A Play Billing purchase's original JSON."""
    return json.dumps(
        {
            "orderId": order_id,
            "packageName": package_name,
            "productId": product_id,
            "purchaseTime": millis(),
            "purchaseState": state,
            "purchaseToken": f"token-{order_id}",
            "quantity": 1,
            "acknowledged": False,
        }
    )


def notification(
    kind: str, signed_transaction: str, *, environment: str = "Sandbox"
) -> dict[str, Any]:
    """An App Store Server Notification V2's payload about one transaction."""
    return {
        "notificationType": kind,
        "notificationUUID": f"n-{millis()}-{kind}",
        "version": "2.0",
        "signedDate": millis(),
        "data": {
            "bundleId": BUNDLE_ID,
            "appAppleId": APP_ID,
            "environment": environment,
            "signedTransactionInfo": signed_transaction,
        },
    }
