"""The competency certificate (RULES.md #8): its data, its verification URL, and its rendering.

Rendering needs no Flask app and no database: bulk export runs it in worker processes that only
receive plain, picklable data (`loading.py` reads it from the database), so they stay small.

The wording is the fixed bilingual text of BNSP-style certificates (each Indonesian line with its
English line), kept literal in the template rather than translated for whoever prints it, and
the dates are always in Indonesian: a certificate reads the same whoever downloads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..config import PROJECT_DIR
from ..rules.vocabulary import CertificateStatus
from .pdf import (
    DEFAULT_LOGO,
    FONT_FACES,
    FONT_STACK,
    html_to_pdf,
    image_data_uri,
    printable_value,
    qr_data_uri,
)
from .signing import SigningSettings, sign_pdf

TEMPLATE = "pdf/certificate.html"


@dataclass(frozen=True)
class CertificateSettings:
    """What every certificate of this LSP shares: its name, city, site, logo and signature."""

    lsp_name: str
    lsp_city: str
    public_base_url: str
    logo_path: str
    signature_path: str | None = None
    signing: SigningSettings | None = None

    @classmethod
    def from_config(cls, config: Mapping) -> CertificateSettings:
        """Read the settings from the app's config (logo and signature are optional there)."""
        return cls(
            lsp_name=config["LSP_NAME"],
            lsp_city=config["LSP_CITY"],
            public_base_url=config["PUBLIC_BASE_URL"],
            logo_path=str(config.get("LSP_LOGO_PATH") or DEFAULT_LOGO),
            signature_path=config.get("LSP_SIGNATURE_PATH") or None,
            signing=signing_settings(config),
        )


def signing_settings(config: Mapping) -> SigningSettings | None:
    """The signing key of the config (CERT_SIGNING_P12 and its passphrase), or None."""
    if not config.get("CERT_SIGNING_P12"):
        return None
    return SigningSettings(
        p12_path=str(config["CERT_SIGNING_P12"]),
        passphrase=config.get("CERT_SIGNING_PASSPHRASE") or "",
        timestamp_url=config.get("TIMESTAMP_URL") or None,
        location=config.get("LSP_CITY") or "",
    )


@dataclass(frozen=True)
class UnitLine:
    """One unit of the certificate's scope."""

    code: str
    title: str


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate, detached from the database session."""

    id: int
    number: str
    holder_name: str
    scheme_number: str
    scheme_title: str
    units: tuple[UnitLine, ...]
    issued_on: date
    expires_on: date
    signed_by: str | None
    bnsp_registration_number: str | None
    blanko_number: str | None
    verify_code: str
    status: str = CertificateStatus.ACTIVE.value
    # The PDF as signed and stored earlier with the current key, served as is when present.
    signed_pdf: bytes | None = None


# The mark printed on a certificate that is no longer in force, as the public page says.
NOT_IN_FORCE = {
    CertificateStatus.SUSPENDED: ("DIBEKUKAN", "Suspended"),
    CertificateStatus.WITHDRAWN: ("DICABUT", "Withdrawn"),
    CertificateStatus.SUPERSEDED: ("DIGANTIKAN", "Superseded"),
    CertificateStatus.EXPIRED: ("KEDALUWARSA", "Expired"),
}


@dataclass(frozen=True)
class PrintedCertificate:
    """A certificate's PDF as handed out, and whether it was signed just now (to be stored)."""

    pdf: bytes
    newly_signed: bool


def printed_certificate(data: CertificateData, settings: CertificateSettings) -> PrintedCertificate:
    """The PDF to hand out: the stored signed one, a newly signed one, or an unsigned one.

    Only a certificate in force is signed: a signature attests it. One that is suspended,
    withdrawn, superseded or expired prints fresh with the mark of its status and no signature,
    so a printout never claims more than the verification page.
    """
    in_force = data.status == CertificateStatus.ACTIVE
    if in_force and data.signed_pdf is not None:
        return PrintedCertificate(data.signed_pdf, newly_signed=False)
    pdf = render_certificate(data, settings)
    if in_force and settings.signing is not None:
        return PrintedCertificate(sign_pdf(pdf, settings.signing), newly_signed=True)
    return PrintedCertificate(pdf, newly_signed=False)


def verify_url(base_url: str, verify_code: str) -> str:
    """The public verification URL that the certificate's QR code encodes."""
    return f"{base_url.rstrip('/')}/verifikasi?kode={quote(verify_code, safe='')}"


def render_certificate(data: CertificateData, settings: CertificateSettings) -> bytes:
    """The certificate as PDF bytes: A4 landscape, the scope on the following page."""
    url = verify_url(settings.public_base_url, data.verify_code)
    template = _environment().get_template(TEMPLATE)
    html = template.render(
        c=data,
        s=settings,
        fonts=FONT_FACES,
        font_stack=FONT_STACK,
        verify_url=url,
        qr=qr_data_uri(url),
        logo=image_data_uri(settings.logo_path),
        signature=image_data_uri(settings.signature_path),
        mark=NOT_IN_FORCE.get(CertificateStatus(data.status)),
    )
    return html_to_pdf(html)


def indonesian_date(day: date) -> str:
    """A date in Indonesian long form, as certificates print it: 12 Maret 2025."""
    return format_date(day, "long", locale="id")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """A Jinja environment of its own, so that workers can render without a Flask app."""
    env = Environment(
        loader=FileSystemLoader(PROJECT_DIR / "templates"),
        autoescape=select_autoescape(default=True),
        finalize=printable_value,
    )
    env.filters["tanggal"] = indonesian_date
    return env
