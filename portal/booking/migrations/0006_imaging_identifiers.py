"""Accession numbers and StudyInstanceUIDs for every appointment (existing rows get their own),
and each room's DICOM AE title and station name (issue 14)."""

import django.core.validators
from django.db import migrations, models

import portal.booking.models


def backfill(apps, schema_editor):
    Appointment = apps.get_model("booking", "Appointment")
    seen: set[str] = set()
    batch = []
    for appointment in Appointment.objects.filter(accession_number__isnull=True).only("pk").iterator():
        accession = portal.booking.models.new_accession_number()
        while accession in seen:
            accession = portal.booking.models.new_accession_number()
        seen.add(accession)
        appointment.accession_number = accession
        appointment.study_instance_uid = portal.booking.models.new_study_instance_uid()
        batch.append(appointment)
        if len(batch) >= 1000:
            Appointment.objects.bulk_update(batch, ["accession_number", "study_instance_uid"])
            batch = []
    if batch:
        Appointment.objects.bulk_update(batch, ["accession_number", "study_instance_uid"])


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_grant_scheduling"),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="ae_title",
            field=models.CharField(
                blank=True, max_length=16, verbose_name="modality AE title",
                help_text="The scanner's DICOM AE title (up to 16 characters), e.g. CT1. Empty: no worklist for this room.",
                validators=[django.core.validators.RegexValidator(
                    "^[A-Z0-9_ -]*$", "Use capital letters, digits, spaces, - and _ only.")],
            ),
        ),
        migrations.AddField(
            model_name="room",
            name="station_name",
            field=models.CharField(blank=True, max_length=16,
                                   help_text="The scanner's DICOM station name (up to 16 characters)."),
        ),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.UniqueConstraint(condition=models.Q(("ae_title", ""), _negated=True),
                                               fields=("ae_title",), name="room_unique_ae_title"),
        ),
        migrations.AddField(
            model_name="appointment",
            name="accession_number",
            field=models.CharField(max_length=16, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="appointment",
            name="study_instance_uid",
            field=models.CharField(max_length=64, null=True, editable=False, verbose_name="StudyInstanceUID"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="accession_number",
            field=models.CharField(default=portal.booking.models.new_accession_number, editable=False,
                                   max_length=16, unique=True),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="study_instance_uid",
            field=models.CharField(default=portal.booking.models.new_study_instance_uid, editable=False,
                                   max_length=64, unique=True, verbose_name="StudyInstanceUID"),
        ),
    ]
