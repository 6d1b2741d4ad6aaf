from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

# A request over the upload limit gets the site's 413 page, anything else bad its 400 page.
handler400 = "procedures.toolarge.bad_request"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("", include("procedures.urls")),
]

if settings.SOP_BENCH:  # `make bench` only: the no-database yardstick view
    from msp_sop.bench import bare_page

    urlpatterns.insert(0, path("bench/bare/", bare_page, name="bench_bare"))
