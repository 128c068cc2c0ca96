"""django-bootstrap5 rendering, the house way: a field shows red when it has an error and nothing
when it was fine (no green "valid" tick on a search box or a filter that was just submitted)."""

from __future__ import annotations

from django_bootstrap5.renderers import FieldRenderer as BaseFieldRenderer


class FieldRenderer(BaseFieldRenderer):
    def get_server_side_validation_classes(self) -> str:
        return "is-invalid" if self.field_errors else ""
