"""Typed readers for the node's environment.

Every reader names the variable in its error, so a bad value stops start-up with a
message an operator can act on instead of a traceback.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

import environ
from django.core.exceptions import ImproperlyConfigured

SUPPORTED_ENGINES = {"django.db.backends.mysql", "django.db.backends.sqlite3"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigurationError(ImproperlyConfigured):
    """A variable of the node's environment is missing or malformed."""


def _raw(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_str(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    return _raw(env, name, default)


def env_bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = _raw(env, name, None)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def env_int(
    env: Mapping[str, str],
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _raw(env, name, None)
    if value is None:
        number = default
    else:
        try:
            number = int(value)
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {number}")
    if maximum is not None and number > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum}, not {number}")
    return number


def env_float(
    env: Mapping[str, str], name: str, default: float, *, minimum: float | None = None
) -> float:
    value = _raw(env, name, None)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {number}")
    return number


def env_choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (_raw(env, name, None) or default).lower()
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_list(env: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    value = _raw(env, name, None)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(env: Mapping[str, str], name: str, *, required: bool, fallback: str) -> str:
    """A secret that must be set when the node runs for real (DEBUG off)."""
    value = _raw(env, name, None)
    if value is not None:
        return value
    if required:
        raise ConfigurationError(f"{name} is not set; it is required when DEBUG is off")
    return fallback


def env_master_key(env: Mapping[str, str], name: str, *, required: bool) -> bytes:
    """32 random bytes, standard base64; an all-zero key stands in only with DEBUG on."""
    value = env_secret(env, name, required=required, fallback="")
    if not value:
        return bytes(32)
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{name} must be standard base64") from None
    if len(key) != 32:
        raise ConfigurationError(f"{name} must decode to 32 bytes, not {len(key)}")
    return key


def env_database(env: Mapping[str, str], name: str) -> dict | None:
    value = _raw(env, name, None)
    if value is None:
        return None
    try:
        config = environ.Env.db_url_config(value)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ConfigurationError(f"{name} is not a valid database URL ({exc})") from None
    if config.get("ENGINE") not in SUPPORTED_ENGINES:
        raise ConfigurationError(f"{name} must be a mysql:// or sqlite:// URL")
    return config


@dataclass(frozen=True)
class NodeIdentity:
    """Who this node is among its peers; drives odd/even ids on MariaDB."""

    name: str
    index: int
    count: int


def read_node_identity(env: Mapping[str, str]) -> NodeIdentity:
    count = env_int(env, "PLATFORM_NODE_COUNT", 1, minimum=1, maximum=64)
    index = env_int(env, "PLATFORM_NODE_INDEX", 1, minimum=1)
    if index > count:
        raise ConfigurationError(
            f"PLATFORM_NODE_INDEX must be between 1 and PLATFORM_NODE_COUNT ({count}), not {index}"
        )
    name = env_str(env, "PLATFORM_NODE", chr(ord("A") + index - 1) if index <= 26 else str(index))
    if not name.replace("-", "").replace("_", "").isalnum() or len(name) > 32:
        raise ConfigurationError(
            f"PLATFORM_NODE must be a short name of letters, digits, '-' or '_', not {name!r}"
        )
    return NodeIdentity(name=name, index=index, count=count)
