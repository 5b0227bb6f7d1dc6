"""Bench-only settings: the platform's own, plus DRF's token app for baseline (b).

Never deployed. The node of scenarios (a) to (d) runs with these, so all four share one
process, one set of settings and one database.
"""

from platform_site.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
# authtoken's Token has a UNIQUE user column that both nodes could write (data rule 2):
# acceptable for a bench baseline that only node A writes, never for production, where
# platform_site.settings (without this app) keeps the check on.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "replication.E003"]  # noqa: F405
