"""Static files in production: whitenoise's compressed, hashed (manifest) storage.

Only CSS is rewritten to point at hashed names. JavaScript bundles that mention source maps the
packages do not ship (BokehJS does) would otherwise stop collectstatic; they are still hashed and
compressed, just not rewritten.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = (
        (
            "*.css",
            (
                r"""(?P<matched>url\(['"]{0,1}\s*(?P<url>.*?)["']{0,1}\))""",
                (r"""(?P<matched>@import\s*["']\s*(?P<url>.*?)["'])""", """@import url("%(url)s")"""),
            ),
        ),
    )
    manifest_strict = False
