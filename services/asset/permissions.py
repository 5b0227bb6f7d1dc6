"""Asset decisions: `write` lends and takes back (the grant every write needs, checked by
the view base); `admin` registers, edits and retires."""

from __future__ import annotations

from services.asset.apps import AssetConfig
from services.base.permissions import require

CODE = AssetConfig.code


def require_manage(request) -> None:
    """Registering, editing and retiring keep the register: `admin` only."""
    require(request, CODE, "admin")
