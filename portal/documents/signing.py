"""Electronic signatures on certificates (PAdES, with pyHanko), and the demo signing key.

The LSP configures a PKCS#12 file and its passphrase (CERT_SIGNING_P12, CERT_SIGNING_PASSPHRASE)
and optionally an RFC 3161 timestamp server (TIMESTAMP_URL). Every certificate then carries a
visible signature block on its first page that any PDF reader verifies offline. Like rendering,
signing needs no Flask app: bulk-export workers sign with the plain `SigningSettings` they get.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.stamp import TextStampStyle

from ..config import DEMO_SIGNING_PASSPHRASE

FIELD_NAME = "TandaTanganElektronik"
# The free band between the QR code and the chair's signature on page one of the certificate
# (A4 landscape, points from the lower left): see templates/pdf/certificate.html.
STAMP_BOX = (318, 114, 532, 166)
STAMP_TEXT = "Ditandatangani secara elektronik oleh\nDigitally signed by\n%(signer)s\n%(ts)s"
# Bytes kept in the PDF for the signature (CMS) object: a fixed reservation spares pyHanko a
# trial signature to measure it (~40% of the signing time). Room for a key and chain of a few
# certificates; a timestamp token brings the TSA's chain too.
RESERVED = 12 * 1024
RESERVED_WITH_TIMESTAMP = 32 * 1024
DEMO_SUBJECT = "DEMO, TIDAK SAH / NOT VALID"


class SigningError(Exception):
    """The signing key cannot be used (missing file, wrong passphrase, not a PKCS#12)."""


@dataclass(frozen=True)
class SigningSettings:
    """Where the signing key is and how to open it; picklable for worker processes."""

    p12_path: str
    passphrase: str
    timestamp_url: str | None = None
    reason: str = "Sertifikat Kompetensi / Certificate of Competence"
    location: str = ""


@dataclass(frozen=True)
class SignerIdentity:
    """Who signs: the name shown on the verification page, and the key's fingerprint."""

    name: str
    fingerprint: str


def identity(settings: SigningSettings) -> SignerIdentity:
    """The signer's common name and the SHA-256 fingerprint of its certificate."""
    signer = _signer(settings.p12_path, settings.passphrase, _mtime(settings.p12_path))
    cert = signer.signing_cert
    return SignerIdentity(
        name=cert.subject.native.get("common_name") or cert.subject.human_friendly,
        fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
    )


def sign_pdf(pdf: bytes, settings: SigningSettings) -> bytes:
    """The PDF with a PAdES signature and its visible block on page one (timestamped if set)."""
    signer = _signer(settings.p12_path, settings.passphrase, _mtime(settings.p12_path))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=settings.reason,
        location=settings.location or None,
    )
    timestamper = (
        timestamps.HTTPTimeStamper(settings.timestamp_url) if settings.timestamp_url else None
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=TextStampStyle(stamp_text=STAMP_TEXT, border_width=1),
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=0, box=STAMP_BOX),
    )
    reserved = RESERVED_WITH_TIMESTAMP if timestamper else RESERVED
    signing = pdf_signer.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=reserved
    )
    return _run(signing).getvalue()


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run pyHanko's asynchronous signer to the end: on a loop of its own, in a thread of its
    own when this thread already runs a loop (pyHanko's sync API would refuse there)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _mtime(path: str) -> int:
    """The key file's version, so a replaced key file is read again."""
    try:
        return Path(path).stat().st_mtime_ns
    except OSError as error:
        raise SigningError(f"the signing key {path} cannot be read: {error}") from error


@lru_cache(maxsize=2)
def _signer(path: str, passphrase: str, _mtime_ns: int) -> signers.SimpleSigner:
    """The key and certificate of a PKCS#12 file, read once per file version."""
    try:
        signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase.encode())
    except (OSError, ValueError) as error:
        raise SigningError(f"the signing key {path} cannot be opened: {error}") from error
    if signer is None:  # pyHanko logs the reason and returns None on a wrong passphrase
        raise SigningError(f"the signing key {path} cannot be opened (wrong passphrase?)")
    return signer


def make_demo_key(path: Path, lsp_name: str, now: datetime) -> None:
    """Write a self-signed RSA key and certificate as PKCS#12, marked as demo in its name."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.COMMON_NAME, f"{DEMO_SUBJECT}: {lsp_name}"[:64]),
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, lsp_name),
            x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "ID"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"demo-signing",
        key,
        cert,
        None,
        serialization.BestAvailableEncryption(DEMO_SIGNING_PASSPHRASE.encode()),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)
