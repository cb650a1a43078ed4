"""Signed certificates, stored once: the key in use, keeping a newly signed PDF, re-signing.

A certificate is signed when it is first printed after issue (download, ZIP, or
`flask sign-certificates`, which a deployment runs after each issuing session or from a job),
and the stored file is served as is afterwards. After a key change the same command signs again
every certificate in force whose stored PDF was made with another key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import DEMO_SIGNING_KEY
from ..extensions import db
from ..models import Certificate, SignedCertificate, utcnow
from ..rules.vocabulary import CertificateStatus
from .bulk import printed_certificates
from .certificate import CertificateSettings
from .loading import load_certificates
from .signing import SignerIdentity, identity, make_demo_key


def current_signer(settings: CertificateSettings) -> SignerIdentity | None:
    """Who signs this app's certificates, or None when no signing key is configured."""
    return identity(settings.signing) if settings.signing is not None else None


def loader(session: Session, settings: CertificateSettings) -> Callable:
    """The certificate loader for `certificate_zip`, with the stored PDFs of the current key."""
    signer = current_signer(settings)
    return partial(load_certificates, session, key_fingerprint=signer and signer.fingerprint)


def keeper(session: Session, settings: CertificateSettings) -> Callable[[int, bytes], None]:
    """The `keep` callback that stores each newly signed PDF (None-safe: no key, nothing kept)."""
    signer = current_signer(settings)

    def keep(certificate_id: int, pdf: bytes) -> None:
        if signer is not None:
            store_signed(session, certificate_id, pdf, signer)

    return keep


def store_signed(session: Session, certificate_id: int, pdf: bytes, signer: SignerIdentity) -> None:
    """Keep a signed PDF, replacing one made with another key; a concurrent twin is left as is."""
    row = SignedCertificate(
        certificate_id=certificate_id,
        signer=signer.name[:200],
        key_fingerprint=signer.fingerprint,
        signed_at=utcnow(),
        pdf=pdf,
    )
    try:
        session.merge(row)
        session.commit()
    except IntegrityError:  # another request stored it first: theirs is as good
        session.rollback()


def unsigned_ids(session: Session, key_fingerprint: str) -> list[int]:
    """Certificates in force with no PDF stored under this key (new ones, or another key's)."""
    signed = exists().where(
        SignedCertificate.certificate_id == Certificate.id,
        SignedCertificate.key_fingerprint == key_fingerprint,
    )
    return list(
        session.scalars(
            select(Certificate.id)
            .where(Certificate.status == CertificateStatus.ACTIVE, ~signed)
            .order_by(Certificate.id)
        )
    )


@click.command("sign-certificates")
@with_appcontext
def sign_certificates() -> None:
    """Sign and store every certificate in force not yet signed with the configured key.

    Run it after issuing, and after a key change: it re-signs what the old key signed.
    """
    settings = CertificateSettings.from_config(current_app.config)
    signer = current_signer(settings)
    if signer is None:
        raise click.ClickException("No signing key: set CERT_SIGNING_P12 and its passphrase.")
    ids = unsigned_ids(db.session, signer.fingerprint)
    count = 0
    load, keep = loader(db.session, settings), keeper(db.session, settings)
    for printed in printed_certificates(ids, load, settings, keep=keep):
        count += printed.newly_signed
    click.echo(f"Signed {count} certificate(s) as {signer.name}.")


@click.command("make-demo-signing-key")
@click.option("--force", is_flag=True, help="Replace an existing demo key.")
@with_appcontext
def make_demo_signing_key(force: bool) -> None:
    """Create the demo signing key (self-signed, marked DEMO, NOT VALID) under instance/."""
    if not current_app.config.get("DEMO"):
        raise click.ClickException("A demo key is for demo mode only (PORTAL_DEMO=1).")
    if DEMO_SIGNING_KEY.exists() and not force:
        click.echo(f"Demo signing key: {DEMO_SIGNING_KEY}")
        return
    make_demo_key(DEMO_SIGNING_KEY, current_app.config["LSP_NAME"], utcnow())
    click.echo(f"Demo signing key created (marked DEMO, not valid): {DEMO_SIGNING_KEY}")


def init_app(app: Flask) -> None:
    """Register the signing commands."""
    app.cli.add_command(sign_certificates)
    app.cli.add_command(make_demo_signing_key)
