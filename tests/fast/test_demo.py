"""seed_demo fills every service of an empty node, once."""

import pytest
from django.apps import apps
from django.core.management import call_command

from demo.people import SERVICES

pytestmark = pytest.mark.django_db


def test_seed_demo_puts_data_in_every_service_and_runs_once(capsys):
    call_command("seed_demo")
    for code in SERVICES:
        models = [m for m in apps.get_app_config(code).get_models() if not m._meta.auto_created]
        assert any(m._default_manager.exists() for m in models), code
    assert "password" in capsys.readouterr().out
    call_command("seed_demo")
    assert "already there" in capsys.readouterr().out
