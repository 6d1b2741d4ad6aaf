"""Directory sign-in and password reset, under accounts/ beside login and logout. No
namespace: Django's views and mail templates, and mozilla-django-oidc, reverse these names."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import signin, views

urlpatterns = [
    # The second step of signing in with a local account that has a second factor.
    path(
        "accounts/login/code/",
        signin.SecondFactorLoginView.as_view(),
        name="second_factor_login",
    ),
    # Signing in with the office's directory (OpenID Connect): the start sends the browser
    # there, the callback is the redirect URI registered with the provider.
    path(
        "accounts/oidc/start/", views.DirectorySignInView.as_view(), name="oidc_authentication_init"
    ),
    path(
        "accounts/oidc/callback/",
        views.DirectoryCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("accounts/reset/", views.ResetRequestView.as_view(), name="password_reset"),
    path(
        "accounts/reset/sent/",
        views.ResetSentView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/welcome/<uidb64>/<token>/",
        views.InvitationView.as_view(),
        name="invitation",
    ),
    path(
        "accounts/reset/done/",
        login_not_required(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
