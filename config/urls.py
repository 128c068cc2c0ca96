from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve as static_serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api
from config.api import not_found as api_not_found
from portal.accounts import views as accounts_views
from portal.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, name="wagtailsitemaps_serve"),
    # The seed's account URLs, served by allauth.
    path("register/", allauth_views.signup, name="register"),
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("accounts/", include("allauth.urls")),
    path("", include("portal.accounts.urls")),
    path("payments/", include("portal.payments.urls")),
    path("reports/", include("portal.reports.urls")),
    path("feedback/", include("portal.feedback.urls")),
    path("doctor/", include("portal.reports.doctor_urls")),
    path("appointments/", include("portal.booking.urls")),
    path("imaging/", include("portal.imaging.urls")),
    path("", include("portal.referrals.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("waitlist/", include("portal.waitlist.urls")),
    path("analytics/", include("analytics.urls")),
    # The mobile app's JSON API, its sign-in (allauth's app API) and FHIR R4 (issue 15).
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found, name="api_not_found"),
    path("_allauth/", include("allauth.headless.urls")),
    path("fhir/r4/", include("portal.fhir.urls")),
    # Every sign-in goes through allauth (two-factor stage, throttling): the admins' own login forms
    # only redirect there. Before the admin includes, so they win.
    path("admin/login/", accounts_views.other_login_redirect, {"default_next": "/admin/"}, name="admin_login_redirect"),
    path("django-admin/login/", accounts_views.other_login_redirect, {"default_next": "/django-admin/"},
         name="django_admin_login_redirect"),
    # Wagtail's password reset (unthrottled) hands over to allauth's too.
    re_path(r"^admin/password_reset/(?P<rest>.*)$", accounts_views.other_password_reset_redirect,
            name="admin_password_reset_redirect"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("cms.urls")),
]

if settings.DEBUG:
    # Public marketing media only; patient files live in PRIVATE_MEDIA_ROOT and have no URL.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", static_serve, {"document_root": settings.MEDIA_ROOT}, name="public_media"),
    ]

if settings.ANYMAIL_ESP:
    # The email service's delivery and bounce webhooks (django-anymail; basic auth ANYMAIL_WEBHOOK_SECRET).
    urlpatterns += [path("anymail/", include("anymail.urls"))]

urlpatterns += [path("", include(wagtail_urls))]
