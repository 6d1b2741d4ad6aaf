from django.apps import apps
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from people import views as people_views
from people.signin import SignInView
from procedures import accounts

# A request over the upload limit gets the site's 413 page, anything else bad its 400 page.
handler400 = "procedures.toolarge.bad_request"

urlpatterns = [
    path(
        "accounts/login/",
        # procedures.accounts' login, with the directory's button, people's second step and
        # directory refusals.
        SignInView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        # Django's, refusing directory accounts (no password kept here).
        people_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("people.urls")),
    path("", include("people.people_urls")),
    path("admin/", admin.site.urls),
    path("", include("attachments.urls")),
    path("", include("checklists.urls")),
    path("", include("transfer.urls")),
    path("", include("compliance.urls")),
    path("", include("procedures.urls")),
]

if apps.is_installed("devtools"):  # SOP_DEVTOOLS=1 only: `make bench`'s yardstick view
    urlpatterns.insert(0, path("", include("devtools.urls")))
