"""The notice carries its live audience groups as a members list (docs/ARCHITECTURE.md#rule-9)."""

from django.db import migrations, models


def fill_members(apps, schema_editor):
    """Each existing notice's list, from its live links (a data step: no version bump)."""
    Parent = apps.get_model("notice", "Notice")
    Link = apps.get_model("notice", "NoticeAudience")
    alias = schema_editor.connection.alias
    found = {}
    live = Link.objects.using(alias).filter(deleted_at__isnull=True)
    for values in live.values("notice_id", "group_id"):
        key = next(f"{f}:{values[f + '_id']}" for f in ("group",) if values[f + "_id"])
        found.setdefault(values["notice_id"], set()).add(key)
    for pk, keys in found.items():
        Parent.objects.using(alias).filter(pk=pk).update(members=sorted(keys))


class Migration(migrations.Migration):
    dependencies = [("notice", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="members",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.RunPython(fill_members, migrations.RunPython.noop),
    ]
