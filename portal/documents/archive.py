"""Signed certificates, stored once: the key in use, keeping a newly signed PDF, re-signing.

A certificate is signed at issue time: once the issue is committed, the worker signs the new
certificates and stores them (`sign_certificates`, handed over by casework's ISSUE effect; a
periodic task signs any recent one whose hand-over was lost), and the stored file is served as
is afterwards. One printed before its signing job ran is signed then and stored the same way.
`flask sign-certificates` is the backfill: certificates issued before signing was configured,
and after a key change every certificate in force whose stored PDF was made with another key,
handed to the worker in batches (each a job of its own, retried if a worker dies: signing again
what a batch already stored under the key is skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..config import DEMO_SIGNING_KEY
from ..extensions import db
from ..models import Certificate, SignedCertificate, utcnow
from ..rules.vocabulary import CertificateStatus
from ..worker import tasks
from .bulk import printed_certificates
from .certificate import CertificateSettings
from .loading import load_certificates
from .signing import SignerIdentity, identity, make_demo_key

# The periodic look for certificates whose signing job was lost: issued in the last week, and
# still unsigned this long after (a signing job normally ends within seconds of the issue).
RECENT_DAYS = 7
MISSED_AFTER_MINUTES = 10
# Certificates per backfill job: a few seconds of the worker each, so a retry repeats little.
BACKFILL_BATCH = 100


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


def unsigned_ids(session: Session, key_fingerprint: str, *conditions: Any) -> list[int]:
    """Certificates in force with no PDF stored under this key (new ones, or another key's),
    narrowed by `conditions`."""
    signed = exists().where(
        SignedCertificate.certificate_id == Certificate.id,
        SignedCertificate.key_fingerprint == key_fingerprint,
    )
    return list(
        session.scalars(
            select(Certificate.id)
            .where(Certificate.status == CertificateStatus.ACTIVE, ~signed, *conditions)
            .order_by(Certificate.id)
        )
    )


def sign(session: Session, settings: CertificateSettings, ids: Sequence[int]) -> int:
    """Sign and store these certificates (those stored under the key already are left as they
    are); how many were signed now."""
    load, keep = loader(session, settings), keeper(session, settings)
    return sum(p.newly_signed for p in printed_certificates(ids, load, settings, keep=keep))


def sign_issued(session: Session, config: Mapping[str, Any], ids: Sequence[int] | None) -> int:
    """The worker's signing at issue time: these certificates, or (None) those issued (recorded)
    in the last RECENT_DAYS and still unsigned a while after (their hand-over was lost; an
    unindexed but small scan every ten minutes). Nothing without a signing key."""
    settings = CertificateSettings.from_config(config)
    signer = current_signer(settings)
    if signer is None:
        return 0
    if ids is None:
        now = clock.now()
        ids = unsigned_ids(
            session,
            signer.fingerprint,
            Certificate.created_at.between(
                now - timedelta(days=RECENT_DAYS), now - timedelta(minutes=MISSED_AFTER_MINUTES)
            ),
        )
    return sign(session, settings, ids)


@click.command("sign-certificates")
@with_appcontext
def sign_certificates() -> None:
    """Hand every certificate in force not yet signed with the configured key to the worker.

    The backfill: run it once signing is configured, and after a key change (it re-signs what
    the old key signed). New certificates are signed by the worker when they are issued.
    """
    settings = CertificateSettings.from_config(current_app.config)
    signer = current_signer(settings)
    if signer is None:
        raise click.ClickException("No signing key: set CERT_SIGNING_P12 and its passphrase.")
    ids = unsigned_ids(db.session, signer.fingerprint)
    db.session.rollback()  # nothing written here: release the read before the worker writes
    batches = [ids[start : start + BACKFILL_BATCH] for start in range(0, len(ids), BACKFILL_BATCH)]
    for batch in batches:
        tasks.sign_certificates(batch)
    click.echo(
        f"{len(ids)} certificate(s) handed to the worker in {len(batches)} job(s), "
        f"to be signed as {signer.name}."
    )


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
