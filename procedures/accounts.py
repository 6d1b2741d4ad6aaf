"""The login and logout pages: Django's, except that a `next` back to either one is ignored.

Someone already logged in who opens the login page is sent on to its `next`; a `next` that is
the login page itself (a bookmarked login page, say) made Django refuse with a server error
("Redirection loop"), and one that is the logout page sent them to a page that refuses GET.
Either now leads where no `next` would: the contents after logging in, the login page after
logging out. Django has already dropped a `next` to another site.
"""

from urllib.parse import unquote, urlsplit

from django.contrib.auth import views as auth_views
from django.urls import Resolver404, resolve

ACCOUNT_PAGES = {"login", "logout"}


def leads_to_login_or_logout(url: str) -> bool:
    """Return whether a local URL is the login or the logout page, whatever its query."""
    try:
        return resolve(unquote(urlsplit(url).path)).view_name in ACCOUNT_PAGES
    except (Resolver404, ValueError):
        return False


class NotBackHereMixin:
    """Ignore a `next` that leads to the login or logout page."""

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()  # "" unless it stays on this site
        return "" if url and leads_to_login_or_logout(url) else url


class LoginView(NotBackHereMixin, auth_views.LoginView):
    pass


class LogoutView(NotBackHereMixin, auth_views.LogoutView):
    pass
