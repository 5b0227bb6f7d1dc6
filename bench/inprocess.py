"""Work done inside a node's process, run through `manage.py shell` with the node's settings.

`seed` makes what the scenarios need; `login_parts` times the pieces of a login with the
very functions the server calls: the RSA unwrap of the session key
(core.crypto.envelope.unwrap_session_key), the password check with the project's hasher
(django.contrib.auth.hashers.check_password, first of PASSWORD_HASHERS: Argon2id
m=19 MiB t=2 p=1, credential/hashers.py) and credential.login.login (lockout check,
authenticate, attempt record, session insert, audit, grants); its database part is
login() minus the password check. Results are printed as one `BENCH-JSON:` line,
since the node's JSON logs share stdout.
"""

from __future__ import annotations

import json
import os
import time

MARK = "BENCH-JSON:"


def emit(data: dict) -> None:
    print(MARK + json.dumps(data), flush=True)


def parse(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise RuntimeError(f"no {MARK} line in the output:\n{stdout[-2000:]}")


def seed(*, username: str, password: str) -> None:
    """A user with read/write on tasks, a colleague, one task, a DRF token; the server key."""
    from datetime import date

    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from credential.keys import ensure_primary_key
    from credential.models import Grant
    from services.task.services import task_create

    ensure_primary_key()
    users = get_user_model().objects
    user = users.create_user(username, password=password, first_name="Bench", last_name="User")
    colleague = users.create_user(f"{username}-colleague", password=password)
    Grant.objects.create(service="task", user=user, can_read=True, can_write=True)
    task = task_create(
        creator=user,
        title="Prepare the quarterly stock count",
        description="Count the shelves in hall 2, then compare with the ledger.",
        assignee=colleague,
        due_date=date(2030, 3, 31),
    )
    emit({"task_id": task.pk, "token": Token.objects.create(user=user).key})


def login_parts(*, username: str, password: str, n: int) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password, get_hasher

    from core.crypto.envelope import unwrap_session_key
    from credential.keys import keyring
    from credential.login import login
    from credential.models import ServerKey

    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    kid = ServerKey.objects.get(is_primary=True).kid
    private = keyring.private_key(kid)
    encoded = get_user_model().objects.get(username=username).password
    parts: dict[str, list[int]] = {"rsa_unwrap": [], "password_hash": [], "login_call": []}
    for _ in range(n):
        key = os.urandom(32)
        wrapped = private.public_key().encrypt(key, oaep)  # the client's side: not timed
        t0 = time.perf_counter_ns()
        unwrap_session_key(private, wrapped)
        t1 = time.perf_counter_ns()
        if not check_password(password, encoded):
            raise RuntimeError("the bench password did not verify")
        t2 = time.perf_counter_ns()
        outcome = login(
            username=username, password=password, client={}, address="127.0.0.1", key=key
        )
        t3 = time.perf_counter_ns()
        if outcome.error is not None:
            raise RuntimeError(f"login answered {outcome.error}")
        parts["rsa_unwrap"].append(t1 - t0)
        parts["password_hash"].append(t2 - t1)
        parts["login_call"].append(t3 - t2)
    hasher = get_hasher()
    profile = f"t={hasher.time_cost} m={hasher.memory_cost}KiB p={hasher.parallelism}"
    emit(
        {
            "hasher": f"{type(hasher).__module__}.{type(hasher).__name__} ({profile})",
            "parts_ns": parts,
        }
    )
