"""The password hasher: Argon2id with OWASP's first recommended profile.

Django's default Argon2 profile (100 MiB, 8 lanes) costs ~130 ms per login on a 2-core
node; m=19 MiB, t=2, p=1 is the profile OWASP's Password Storage Cheat Sheet lists
first, at ~16 ms here. Hashes carry their parameters, so a change of profile upgrades
each stored hash at its owner's next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PlatformArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
