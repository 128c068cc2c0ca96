"""For bench/public_pages.py only: the product's settings, with a URLconf that adds one bare Django view.

The reference view runs behind exactly the product's middleware, in the same server and run, and never
exists in the product (config.urls is untouched; see public_pages_urls.py).
"""

from config.settings import *  # noqa: F403
from config.settings import PUBLIC_URL_NAMES

ROOT_URLCONF = "bench.public_pages_urls"
PUBLIC_URL_NAMES = [*PUBLIC_URL_NAMES, "bench_public_reference"]
