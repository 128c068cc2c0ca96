"""On PostgreSQL: no two active appointments in one room may overlap in time.

An exclusion constraint on (room, tstzrange(start, end)) for the active statuses, the backstop
behind the booking service's lock and re-check. SQLite has no exclusion constraints; there the
unique (room, start) constraint and the IMMEDIATE transaction carry the guarantee.
"""

from django.db import migrations

ACTIVE = "('requested', 'confirmed', 'checked_in', 'completed')"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE booking_appointment ADD CONSTRAINT appointment_no_overlap_per_room "
        "EXCLUDE USING gist (room_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        f"WHERE (status IN {ACTIVE})"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap_per_room")


class Migration(migrations.Migration):
    dependencies = [("booking", "0003_medicalaidmembership")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
