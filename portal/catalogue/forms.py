"""Admin forms of the catalogue: the messages an editor sees for bad input are ours, not Django's."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm


class ScanTypeAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        duration = self.fields.get("duration_minutes")
        if duration is not None:
            # A positive-integer field adds its own ">= 0" check; the model's 5..480 rule says it better.
            model_field = self._meta.model._meta.get_field("duration_minutes")
            duration.validators = list(model_field.validators)
            duration.widget.attrs.update(min=5, max=480)
