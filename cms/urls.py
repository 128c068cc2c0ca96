from django.urls import path

from cms import views

app_name = "cms"

# Every URL here is public (settings.PUBLIC_URL_NAMES has "cms:*"): add only public-site views.
urlpatterns = [
    path("search/", views.search, name="search"),
]
