"""The practice's details moved to portal/core (core.PracticeSettings): copy the rows over, hand the
edit permission to the same groups, then drop cms's table."""

from django.db import migrations

FIELDS = ["site_id", "practice_name", "tagline", "logo_id", "phone", "email", "address", "opening_hours",
          "currency_symbol", "report_letterhead"]


def copy_to_core(apps, schema_editor):
    Old = apps.get_model("cms", "PracticeSettings")
    New = apps.get_model("core", "PracticeSettings")
    for row in Old.objects.all():
        New.objects.update_or_create(site_id=row.site_id, defaults={f: getattr(row, f) for f in FIELDS[1:]})

    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    old_permission = Permission.objects.filter(
        content_type__app_label="cms", content_type__model="practicesettings", codename="change_practicesettings"
    ).first()
    if old_permission is None or not old_permission.group_set.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="core", model="practicesettings")
    new_permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="change_practicesettings",
        defaults={"name": "Can change practice details"},
    )
    for group in old_permission.group_set.all():
        group.permissions.add(new_permission)


def copy_back(apps, schema_editor):
    Old = apps.get_model("cms", "PracticeSettings")
    New = apps.get_model("core", "PracticeSettings")
    for row in New.objects.all():
        Old.objects.update_or_create(site_id=row.site_id, defaults={f: getattr(row, f) for f in FIELDS[1:]})


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_page_types"),
        ("core", "0003_practicesettings"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_to_core, copy_back),
        migrations.DeleteModel(name="PracticeSettings"),
    ]
