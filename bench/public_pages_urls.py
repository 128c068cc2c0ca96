"""For bench/public_pages.py only: the product's URLs plus the bare reference view."""

from django.http import HttpResponse
from django.urls import include, path


def reference(request):
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [
    path("bench/reference/", reference, name="bench_public_reference"),
    path("", include("config.urls")),
]
