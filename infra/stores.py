"""The store verifiers this server is configured for (README: Store receipts)."""

from dataclasses import dataclass

from domain.receipt_errors import StoreNotConfigured
from infra.apple import AppleVerifier
from infra.config import Settings
from infra.google import GoogleVerifier


@dataclass(frozen=True)
class Stores:
    """Apple's and Google's verifiers; None for a store whose settings are not set."""

    apple: AppleVerifier | None = None
    google: GoogleVerifier | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Stores":
        """The verifiers of the configured stores (a ConfigError names a bad setting)."""
        return cls(
            apple=AppleVerifier(settings) if settings.apple_bundle_id else None,
            google=GoogleVerifier(settings) if settings.google_package_name else None,
        )

    def need_apple(self) -> AppleVerifier:
        """Apple's verifier, or the problem saying App Store receipts are not accepted."""
        if self.apple is None:
            raise StoreNotConfigured("App Store receipts are not configured (APPLE_BUNDLE_ID)")
        return self.apple

    def need_google(self) -> GoogleVerifier:
        """Google's verifier, or the problem saying Play receipts are not accepted."""
        if self.google is None:
            raise StoreNotConfigured(
                "Google Play receipts are not configured (GOOGLE_PACKAGE_NAME)"
            )
        return self.google
