"""seed_demo fills every service of an empty node, once."""

import pytest
from django.core.management import call_command

from core import registry

pytestmark = pytest.mark.django_db


def test_seed_demo_puts_data_in_every_service_and_runs_once(capsys):
    call_command("seed_demo")
    for config in registry.business_services():
        models = [m for m in config.get_models() if not m._meta.auto_created]
        assert any(m._default_manager.exists() for m in models), config.code
    assert "password" in capsys.readouterr().out
    call_command("seed_demo")
    assert "already there" in capsys.readouterr().out
