from __future__ import annotations

import pytest

from cms.tests.utils import build_site


@pytest.fixture
def site_tree(db):
    return build_site()
