"""Node settings whose only Argon2 hasher counts (tests/support/counting_hasher.py).

Django verifies a hash with the last hasher of its algorithm in PASSWORD_HASHERS and makes
new ones (unknown users too) with the first, so the counting hasher replaces every other
Argon2 entry rather than only coming first.
"""

from platform_site.settings import *  # noqa: F403
from platform_site.settings import PASSWORD_HASHERS

PASSWORD_HASHERS = [
    "tests.support.counting_hasher.CountingHasher",
    *(name for name in PASSWORD_HASHERS if "Argon2" not in name),
]
