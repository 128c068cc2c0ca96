from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    first = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == first
    assert User.objects.filter(email="manager@demo.test", groups__name="Manager").exists()
