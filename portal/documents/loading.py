"""Reading certificates from the database into the plain data that `certificate.py` prints."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Case, CaseUnit, Certificate, SignedCertificate
from ..rules.vocabulary import CertificateStatus, Verdict
from .certificate import CertificateData, UnitLine


def load_certificates(
    session: Session, ids: Sequence[int], key_fingerprint: str | None = None
) -> list[CertificateData]:
    """The printable data of these certificates, in the order of `ids` (unknown ids skipped).

    With the fingerprint of the signing key, each carries its stored PDF signed by that key.
    """
    rows = session.scalars(
        select(Certificate)
        .where(Certificate.id.in_(ids))
        .options(
            selectinload(Certificate.scheme),
            selectinload(Certificate.signed_by),
            selectinload(Certificate.case).selectinload(Case.units).selectinload(CaseUnit.unit),
        )
    ).all()
    # A stored signature stands for a certificate in force only; others print with their mark.
    active = [row.id for row in rows if row.status == CertificateStatus.ACTIVE]
    signed = _signed_pdfs(session, active, key_fingerprint) if key_fingerprint and active else {}
    by_id = {row.id: _data(row, signed.get(row.id)) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _signed_pdfs(session: Session, ids: Sequence[int], key_fingerprint: str) -> dict[int, bytes]:
    """The stored signed PDFs of these certificates made with this key."""
    rows = session.execute(
        select(SignedCertificate.certificate_id, SignedCertificate.pdf).where(
            SignedCertificate.certificate_id.in_(ids),
            SignedCertificate.key_fingerprint == key_fingerprint,
        )
    )
    return {certificate_id: pdf for certificate_id, pdf in rows}


def _data(certificate: Certificate, signed_pdf: bytes | None = None) -> CertificateData:
    """Copy one certificate's printed fields; the scope is the units decided K."""
    units = tuple(
        UnitLine(cu.unit.code, cu.unit.title)
        for cu in sorted(certificate.case.units, key=lambda cu: cu.unit.code)
        if cu.result == Verdict.K
    )
    scheme = certificate.scheme
    return CertificateData(
        id=certificate.id,
        number=certificate.number,
        holder_name=certificate.holder_name,
        scheme_number=scheme.number or scheme.code,
        scheme_title=scheme.title,
        units=units,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        signed_by=certificate.signed_by.full_name if certificate.signed_by else None,
        bnsp_registration_number=certificate.bnsp_registration_number,
        blanko_number=certificate.blanko_number,
        verify_code=certificate.verify_code,
        status=certificate.status,
        signed_pdf=signed_pdf,
    )
