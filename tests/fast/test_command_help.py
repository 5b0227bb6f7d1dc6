"""Every management command of the project says what it does and what each option means:
a one-line `help`, and help text on every option and subcommand (`manage.py X --help`).
"""

from __future__ import annotations

import argparse

import pytest
from django.core.management import get_commands, load_command_class

PROJECT_PACKAGES = ("core", "gateway", "credential", "services", "replication", "ops", "demo")


def project_commands() -> list[tuple[str, str]]:
    return sorted(
        (name, app)
        for name, app in get_commands().items()
        if app.split(".")[0] in PROJECT_PACKAGES or app == "platform_site"
    )


def undocumented(parser: argparse.ArgumentParser, prefix: str) -> list[str]:
    """Options and subcommands of `parser` (and of its subcommands) without help text."""
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {choice.dest for choice in action._choices_actions if choice.help}
            for name, sub in action.choices.items():
                if name not in helped:
                    missing.append(f"{prefix} {name} (subcommand)")
                missing.extend(undocumented(sub, f"{prefix} {name}"))
        elif not action.help or action.help == argparse.SUPPRESS:
            missing.append(f"{prefix} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_the_project_has_commands_to_check():
    names = {name for name, _ in project_commands()}
    assert {"replication_status", "routes", "credential_keys", "platform_prune"} <= names


@pytest.mark.parametrize(("name", "app"), project_commands())
def test_each_command_has_a_one_line_help_and_help_on_every_option(name, app):
    command = load_command_class(app, name)
    assert command.help and "\n" not in command.help.strip(), f"{name}: one-line help"
    assert not undocumented(command.create_parser("manage.py", name), name)
