from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
# The browser tests need Debian's Chromium; without it they are left out, and said so.
collect_ignore = [] if CHROMIUM.exists() else ["browser"]


def pytest_terminal_summary(terminalreporter):
    if not CHROMIUM.exists():
        terminalreporter.write_line(
            f"browser tests NOT RUN: {CHROMIUM} is missing (apt-get install chromium)",
            yellow=True,
            bold=True,
        )


def pytest_configure(config):
    # DEBUG is off in tests, which would switch on the HTTPS redirect and secure cookies;
    # the test client and the live server speak plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Static files straight from the apps, without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Each test starts with empty caches (cleared below); nothing is written under var/.
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": alias}
        for alias in settings.CACHES
    }


@pytest.fixture(autouse=True)
def _empty_caches():
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture
def manual(db):
    """The real table of contents: 4 volumes, 12 sections, 163 procedures."""
    call_command("loaddata", str(settings.BASE_DIR / "fixtures" / "manual.json"), verbosity=0)


@pytest.fixture
def reader(db):
    from tests.factories import UserFactory

    return UserFactory(username="reader")


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client
