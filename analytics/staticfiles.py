"""Static files storage for production: hashed names, but URL rewriting in CSS only.

Django's manifest storage also rewrites references inside JavaScript (source maps, imports);
BokehJS refers to .map files and code strings the package does not ship, so collectstatic
fails on it. Its files keep their content and get hashed names like everything else.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class CompressedCssManifestStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(p for p in ManifestStaticFilesStorage.patterns if p[0] == "*.css")
