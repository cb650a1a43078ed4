"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from .rules.vocabulary import N_

# argon2id with RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes, 16-byte salt. That is
# above ASVS 5.0's and OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane). Pinned rather than the
# library's default, so an upgrade cannot weaken it silently; `needs_rehash` compares with it.
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)

MIN_LENGTH = 10
MAX_LENGTH = 256  # the login form's limit: a longer password could never be used
# The most common passwords (and the obvious local ones): refused whatever their length.
COMMON_PASSWORDS = frozenset(
    """123456 123456789 12345678 password qwerty123 qwerty 1234567890 111111 1234567 password1
    12345 123123 000000 iloveyou 1q2w3e4r5t qwertyuiop 123321 abc123 password123 admin
    admin123 admin12345 welcome welcome1 letmein passw0rd p@ssw0rd p@ssword 1qaz2wsx
    sayangku bismillah indonesia indonesia1 jakarta123 pustakawan perpustakaan rahasia
    rahasia123 katasandi katasandi123 qwerty12345 aaaaaaaaaa 0123456789 9876543210
    1111111111 abcdefghij abcd1234 asdfghjkl zxcvbnm12 lsppustakawan""".split()
)


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
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (username and username.lower() in lowered):
        return N_("This password is too common or contains the username; choose another.")
    return None
