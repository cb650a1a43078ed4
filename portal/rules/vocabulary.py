"""The closed vocabularies of the domain: statuses, roles and coded choices.

The database declares CHECK constraints from these enums, and the forms offer them as choices,
so a value is spelled in exactly one place. Labels are marked with N_ for translation.
"""

from __future__ import annotations

from enum import StrEnum


def N_(text: str) -> str:
    """Mark a message for translation without translating it here (the views translate)."""
    return text


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    ASSESSOR = "assessor"
    CERTIFICATION_HEAD = "certification_head"
    QUALITY_HEAD = "quality_head"
    STANDARDS_HEAD = "standards_head"
    CHAIR = "chair"
    DEPUTY_CHAIR = "deputy_chair"  # decides a case on which the chair is conflicted


ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.SECRETARIAT: N_("Bagian Umum (secretariat)"),
    Role.ASSESSOR: N_("Asesor"),
    Role.CERTIFICATION_HEAD: N_("Kepala Bidang Sertifikasi"),
    Role.QUALITY_HEAD: N_("Kepala Bidang Pengendali Mutu"),
    Role.STANDARDS_HEAD: N_("Kepala Bidang Standardisasi"),
    Role.CHAIR: N_("Ketua LSP"),
    Role.DEPUTY_CHAIR: N_("Wakil Ketua LSP (deputy chair)"),
}


class CaseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VERIFIED = "verified"
    SELF_ASSESSED = "self_assessed"
    READY_FOR_ASSESSMENT = "ready_for_assessment"
    ASSESSED = "assessed"
    COMPETENT = "competent"
    NOT_YET_COMPETENT = "not_yet_competent"
    CERTIFIED = "certified"
    APPEALED = "appealed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


CASE_STATUS_LABELS = {
    CaseStatus.DRAFT: N_("Draft"),
    CaseStatus.SUBMITTED: N_("Submitted"),
    CaseStatus.RETURNED: N_("Returned for correction"),
    CaseStatus.VERIFIED: N_("Verified"),
    CaseStatus.SELF_ASSESSED: N_("Self-assessment recorded"),
    CaseStatus.READY_FOR_ASSESSMENT: N_("Ready for assessment"),
    CaseStatus.ASSESSED: N_("Assessed"),
    CaseStatus.COMPETENT: N_("Kompeten"),
    CaseStatus.NOT_YET_COMPETENT: N_("Belum Kompeten"),
    CaseStatus.CERTIFIED: N_("Certified"),
    CaseStatus.APPEALED: N_("Banding"),
    CaseStatus.CLOSED: N_("Closed"),
    CaseStatus.WITHDRAWN: N_("Withdrawn"),
}

FINAL_CASE_STATUSES = frozenset({CaseStatus.CERTIFIED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN})
OPEN_CASE_STATUSES = frozenset(CaseStatus) - FINAL_CASE_STATUSES
# Application data (FR.APL.01) can be changed only before submission or after a return.
EDITABLE_CASE_STATUSES = frozenset({CaseStatus.DRAFT, CaseStatus.RETURNED})


class Purpose(StrEnum):
    CERTIFICATION = "sertifikasi"
    RECERTIFICATION = "sertifikasi_ulang"
    PKT = "pkt"
    RPL = "rpl"
    OTHER = "lainnya"


PURPOSE_LABELS = {
    Purpose.CERTIFICATION: N_("Sertifikasi"),
    Purpose.RECERTIFICATION: N_("Sertifikasi ulang"),
    Purpose.PKT: N_("Pengakuan Kompetensi Terkini (PKT)"),
    Purpose.RPL: N_("Rekognisi Pembelajaran Lampau (RPL)"),
    Purpose.OTHER: N_("Other"),
}


class Verdict(StrEnum):
    """Kompeten / Belum Kompeten, for self-assessment, recommendation and decision alike."""

    K = "K"
    BK = "BK"


class SchemeType(StrEnum):
    KKNI = "KKNI"
    OKUPASI = "Okupasi"
    KLASTER = "Klaster"


class TukType(StrEnum):
    SEWAKTU = "sewaktu"
    TEMPAT_KERJA = "tempat_kerja"
    MANDIRI = "mandiri"


TUK_TYPE_LABELS = {
    TukType.SEWAKTU: N_("Sewaktu (temporary site)"),
    TukType.TEMPAT_KERJA: N_("Tempat kerja (workplace)"),
    TukType.MANDIRI: N_("Mandiri (independent)"),
}


class Education(StrEnum):
    SD = "SD"
    SMP = "SMP"
    SMA = "SMA"
    SMK = "SMK"
    MA = "MA"
    D1 = "D1"
    D2 = "D2"
    D3 = "D3"
    D4 = "D4"
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    PROFESI = "Profesi"
    SPESIALIS = "Spesialis"
    LAINNYA = "Lainnya"


class Sex(StrEnum):
    MALE = "L"
    FEMALE = "P"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    IJAZAH = "ijazah"
    CERTIFICATE = "certificate"
    WORK_EXPERIENCE = "work_experience"
    OTHER = "other"
    PAYMENT = "payment"


# FR.APL.01 as the applicant fills it in: the profile form's labels, and the names of the fields
# staff see changed when an application comes back corrected.
APPLICATION_FIELD_LABELS = {
    "birth_place": N_("Place of birth"),
    "birth_date": N_("Date of birth"),
    "sex": N_("Sex"),
    "address": N_("Home address"),
    "postal_code": N_("Postal code"),
    "phone": N_("Mobile phone"),
    "education_level": N_("Highest education"),
    "education_major": N_("Major"),
    "library_field": N_("My education is in library science"),
    "has_library_training": N_("I hold a library training certificate"),
    "experience_months": N_("Work experience in libraries (months)"),
    "institution": N_("Institution"),
    "job_title": N_("Position"),
    "institution_address": N_("Institution address"),
    "education_code": N_("Education (BNSP code)"),
    "occupation_code": N_("Occupation (BNSP code)"),
    # FR.APL.01 part 2
    "units": N_("Units of competence"),
    "purpose": N_("Purpose of the assessment"),
    "declaration_name": N_("Declaration signed by"),
}
PROFILE_FIELDS = tuple(APPLICATION_FIELD_LABELS)[:16]  # part 1: what the applicant types in


ATTACHMENT_KIND_LABELS = {
    AttachmentKind.PHOTO: N_("Photo"),
    AttachmentKind.IJAZAH: N_("Ijazah"),
    AttachmentKind.CERTIFICATE: N_("Training certificate"),
    AttachmentKind.WORK_EXPERIENCE: N_("Work experience letter"),
    AttachmentKind.OTHER: N_("Other relevant evidence"),
    AttachmentKind.PAYMENT: N_("Proof of payment"),
}

# The attachments an application cannot be submitted without (seed 2.2).
REQUIRED_ATTACHMENTS = frozenset({AttachmentKind.PHOTO, AttachmentKind.IJAZAH})


class AssessmentMethod(StrEnum):
    OBSERVATION = "observasi"
    WRITTEN = "tertulis"
    ORAL = "lisan"
    PORTFOLIO = "portofolio"
    INTERVIEW = "wawancara"
    THIRD_PARTY = "pihak_ketiga"


class ConflictKind(StrEnum):
    SAME_INSTITUTION = "institution"
    FAMILY = "family"
    TRAINER = "trainer"


CONFLICT_KIND_LABELS = {
    ConflictKind.SAME_INSTITUTION: N_("Same institution"),
    ConflictKind.FAMILY: N_("Family"),
    ConflictKind.TRAINER: N_("Trained the asesi"),
}


class CertificateStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


CERTIFICATE_STATUS_LABELS = {
    CertificateStatus.ACTIVE: N_("Active"),
    CertificateStatus.SUSPENDED: N_("Suspended"),
    CertificateStatus.WITHDRAWN: N_("Withdrawn"),
    CertificateStatus.EXPIRED: N_("Expired"),
    CertificateStatus.SUPERSEDED: N_("Superseded"),
}


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # closed with its case, undecided


APPEAL_STATUS_LABELS = {
    AppealStatus.PENDING: N_("Pending"),
    AppealStatus.UPHELD: N_("Upheld"),
    AppealStatus.REJECTED: N_("Rejected"),
    AppealStatus.WITHDRAWN: N_("Withdrawn with the case"),
}


class ComplaintStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


COMPLAINT_STATUS_LABELS = {
    ComplaintStatus.OPEN: N_("Open"),
    ComplaintStatus.IN_PROGRESS: N_("In progress"),
    ComplaintStatus.RESOLVED: N_("Resolved"),
}


class JobFit(StrEnum):
    FIT = "sesuai"
    PARTLY = "sebagian"
    NOT_FIT = "tidak_sesuai"


JOB_FIT_LABELS = {
    JobFit.FIT: N_("Fits the job"),
    JobFit.PARTLY: N_("Partly fits the job"),
    JobFit.NOT_FIT: N_("Does not fit the job"),
}


class CodeKind(StrEnum):
    """BNSP reporting-sheet code tables (admin-editable lookups)."""

    PROVINCE = "provinsi"
    REGENCY = "kabupaten"
    EDUCATION = "pendidikan"
    OCCUPATION = "pekerjaan"
    BUDGET_SOURCE = "sumber_anggaran"
    MINISTRY = "kementerian"


class DocumentKind(StrEnum):
    """Public downloads of seed 2.1."""

    APPLICATION_LETTER = "application_letter"
    APPLICATION_FORM = "application_form"
    SKKNI = "skkni"
    CODE_OF_ETHICS = "code_of_ethics"
    RIGHTS = "rights_and_obligations"
    RULES = "house_rules"
    OTHER = "other"


DOCUMENT_KIND_LABELS = {
    DocumentKind.APPLICATION_LETTER: N_("Application letter"),
    DocumentKind.APPLICATION_FORM: N_("Application form FR.APL.01"),
    DocumentKind.SKKNI: N_("SKKNI (competency standard)"),
    DocumentKind.CODE_OF_ETHICS: N_("Code of ethics"),
    DocumentKind.RIGHTS: N_("Rights and obligations of the asesi"),
    DocumentKind.RULES: N_("House rules"),
    DocumentKind.OTHER: N_("Other"),
}

CODE_KIND_LABELS = {
    CodeKind.PROVINCE: N_("Province"),
    CodeKind.REGENCY: N_("Regency / city"),
    CodeKind.EDUCATION: N_("Education"),
    CodeKind.OCCUPATION: N_("Occupation"),
    CodeKind.BUDGET_SOURCE: N_("Budget source"),
    CodeKind.MINISTRY: N_("Ministry"),
}
