"""The file carries its live shares as a members list (docs/ARCHITECTURE.md#rule-9)."""

from django.db import migrations, models


def fill_members(apps, schema_editor):
    """Each existing file's list, from its live links (a data step: no version bump)."""
    Parent = apps.get_model("document", "File")
    Link = apps.get_model("document", "Share")
    alias = schema_editor.connection.alias
    found = {}
    live = Link.objects.using(alias).filter(deleted_at__isnull=True)
    for values in live.values("file_id", "user_id", "group_id"):
        key = next(f"{f}:{values[f + '_id']}" for f in ("user", "group") if values[f + "_id"])
        found.setdefault(values["file_id"], set()).add(key)
    for pk, keys in found.items():
        Parent.objects.using(alias).filter(pk=pk).update(members=sorted(keys))


class Migration(migrations.Migration):
    dependencies = [("document", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="file",
            name="members",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.RunPython(fill_members, migrations.RunPython.noop),
    ]
