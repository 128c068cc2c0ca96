from __future__ import annotations

from django import forms

from portal.notifications import whatsapp


class PreferenceForm(forms.Form):
    notify_by_email = forms.BooleanField(label="Email me", required=False)
    notify_by_sms = forms.BooleanField(
        label="Text me (SMS)", required=False, help_text="Needs a mobile number on your profile."
    )
    email_reminders = forms.BooleanField(
        label="Email me reminders before appointments", required=False,
        help_text="The other emails (confirmations, changes, reports) still come while email is on.",
    )
    sms_opted_out = forms.BooleanField(
        label="Stop all text messages", required=False,
        help_text="The same as replying STOP to one of our texts. Untick it (or reply START) to receive them again.",
    )
    quiet_hours = forms.BooleanField(label="Keep quiet hours", required=False,
                                     help_text="Text (and WhatsApp) messages due in these hours wait until they end.")
    quiet_start = forms.TimeField(label="Quiet from", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label="Quiet until", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if whatsapp.is_enabled():  # offered only while the practice has a WhatsApp sender
            self.fields["notify_by_whatsapp"] = forms.BooleanField(
                label="WhatsApp me", required=False,
                help_text="Needs a mobile number on your profile that uses WhatsApp. Quiet hours apply.")
            self.order_fields(["notify_by_email", "email_reminders", "notify_by_sms", "notify_by_whatsapp"])
        if user is not None and user.phone:
            self.fields["notify_by_sms"].help_text = f"Sent to {user.phone.as_international}."
            if "notify_by_whatsapp" in self.fields:
                self.fields["notify_by_whatsapp"].help_text = (
                    f"Sent to {user.phone.as_international} on WhatsApp. Quiet hours apply.")

    def clean(self):
        data = super().clean()
        if data.get("notify_by_sms") and self.user is not None and not self.user.phone:
            self.add_error("notify_by_sms", "Add a mobile number on your profile first.")
        if data.get("notify_by_whatsapp") and self.user is not None and not self.user.phone:
            self.add_error("notify_by_whatsapp", "Add a mobile number on your profile first.")
        if data.get("quiet_hours") and data.get("quiet_start") and data.get("quiet_start") == data.get("quiet_end"):
            self.add_error("quiet_end", "Quiet hours must end at a different time than they start.")
        return data
