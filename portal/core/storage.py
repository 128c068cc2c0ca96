"""Static files in production: whitenoise's compressed, hashed (manifest) storage, rewriting URLs in CSS only.

Django's manifest storage also rewrites references inside JavaScript (source maps, imports); BokehJS
refers to .map files and code strings the package does not ship, so collectstatic would fail on it.
JavaScript files keep their content and still get hashed, compressed names like everything else.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(p for p in ManifestStaticFilesStorage.patterns if p[0] == "*.css")
