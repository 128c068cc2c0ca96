"""Issue 19.5: `Delivery.kind` held the send-once key and `Delivery.message` the kind of message.

Renamed to what they hold (`key`, `kind`), keeping the data. The unique constraints name the old
`kind` column, and Django's RenameField does not rewrite a constraint's fields, so they are dropped
before the two renames and made again on `key` afterwards (each rename is a column rename: no row
is rewritten).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_attendance_reply"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_appointment_kind_channel"),
        migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_referral_kind_channel"),
        migrations.RemoveConstraint(model_name="delivery", name="delivery_once_per_waitlist_offer_kind_channel"),
        migrations.RenameField(model_name="delivery", old_name="kind", new_name="key"),
        migrations.RenameField(model_name="delivery", old_name="message", new_name="kind"),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("appointment__isnull", False)), fields=("appointment", "key", "channel"),
                name="delivery_once_per_appointment_key_channel",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("referral__isnull", False)), fields=("referral", "key", "channel"),
                name="delivery_once_per_referral_key_channel",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("waitlist_offer__isnull", False)), fields=("waitlist_offer", "key", "channel"),
                name="delivery_once_per_waitlist_offer_key_channel",
            ),
        ),
    ]
