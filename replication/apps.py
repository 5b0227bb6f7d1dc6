from django.apps import AppConfig


class ReplicationConfig(AppConfig):
    name = "replication"
    verbose_name = "Replication"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from replication import checks  # noqa: F401 - registers the system checks
        from replication.exactly_once import note_effect

        post_save.connect(note_effect, dispatch_uid="replication.exactly_once.effects")
