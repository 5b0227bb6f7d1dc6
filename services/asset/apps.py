from core.conflict_policy import ConflictPolicy
from services.base.apps import ServiceAppConfig


class AssetConfig(ServiceAppConfig):
    name = "services.asset"
    label = "asset"
    code = "asset"
    display_name = "Assets"
    conflict_policy = ConflictPolicy.HOME_NODE
