"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from .rules.vocabulary import N_

# argon2id with RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes, 16-byte salt. That is
# above ASVS 5.0's and OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane). Pinned rather than the
# library's default, so an upgrade cannot weaken it silently; `needs_rehash` compares with it.
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)

MIN_LENGTH = 10
MAX_LENGTH = 256  # the login form's limit: a longer password could never be used
# zxcvbn's estimate (0-4) that a password must reach: 3 is "safely unguessable" against an
# online attack and costly offline. Its dictionaries hold the most common passwords, names and
# words; these are the LSP's own words, which an attacker would try first here.
MIN_STRENGTH = 3
ESTIMATED_LENGTH = 72  # zxcvbn's own limit: a longer password is judged by its start
LSP_WORDS = (
    "pustakawan perpustakaan pustaka lsp lsppustakawan sertifikasi sertifikat kompetensi "
    "asesor asesi skema bnsp skkni tuk salemba jakarta indonesia rahasia katasandi sandi "
    "sayang bismillah admin sekretariat ketua perpusnas"
).split()


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return N_("The password must have at least 10 characters.")
    if len(password) > MAX_LENGTH:
        return N_("The password must have at most 256 characters.")
    if not password.strip():
        return N_("The password cannot be only spaces.")
    if username and username.lower() in password.lower():
        return N_("This password is too common or contains the username; choose another.")
    own_words = [*LSP_WORDS, username] if username else LSP_WORDS
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=own_words)
    if estimate["score"] < MIN_STRENGTH:
        return N_(
            "This password is too easy to guess (a common password, a word with a few digits, "
            "or the LSP's name); choose a longer phrase of unrelated words."
        )
    return None
