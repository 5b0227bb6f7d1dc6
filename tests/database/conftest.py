import pytest
from django.db import connection


@pytest.fixture(autouse=True, scope="session")
def _runs_on_real_mariadb(django_db_setup, django_db_blocker):
    """The whole tier is pointless on SQLite: fail loudly if the harness did not switch."""
    with django_db_blocker.unblock():
        assert connection.vendor == "mysql", "tests/database must run on the harness's MariaDB"
