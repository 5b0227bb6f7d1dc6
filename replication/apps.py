from django.apps import AppConfig


class ReplicationConfig(AppConfig):
    name = "replication"
    verbose_name = "Replication"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, post_save

        from core import clock as core_clock
        from replication import (
            checks,  # noqa: F401 - registers the system checks
            clock,
            guard,
        )
        from replication.exactly_once import note_effect
        from replication.homes import seed_homes

        post_save.connect(note_effect, dispatch_uid="replication.exactly_once.effects")
        # Every statement to the pair's databases passes the write guard (rules 7 and 8).
        connection_created.connect(guard.install, dispatch_uid="replication.guard")
        post_migrate.connect(seed_homes, sender=self, dispatch_uid="replication.seed_homes")
        # updated_at follows this node's database clock (rule 11).
        core_clock.use(clock.stamp_offset)
