"""Reference 2: a Django hello view behind the product's full middleware (DJANGO_ROOT_URLCONF=bench.hello_urls).

Only benchmarks load this URLconf; the product's URLs stay as they are and the view is public here
only because the benchmark names it in PUBLIC_URL_NAMES via the environment.
"""

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [
    path("bench/hello/", hello, name="bench_hello"),
    path("", include("config.urls")),
]
