import atexit
import shutil
import tempfile
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


def _media_folder() -> str:
    folder = tempfile.mkdtemp(prefix="sop-test-media-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def pytest_configure(config):
    # The suite tests the benchmark and corpus tools too: pyproject.toml's `env` (pytest-env)
    # sets SOP_DEVTOOLS=1 before pytest-django reads the settings. Without it, say so.
    if "devtools" not in settings.INSTALLED_APPS:
        raise pytest.UsageError(
            "devtools is not installed: SOP_DEVTOOLS=1 was not set before the settings were "
            "read (is pytest-env from requirements-dev.txt installed?)"
        )
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
    # Uploaded files (attachments) go to a throwaway folder, never under var/media.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": _media_folder()},
        },
    }
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
    return _member("reader", "Readers")


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def as_user(client):
    """Log the test client in as a user: `as_user(editor).get(...)`."""

    def login(user):
        client.force_login(user)
        return client

    return login


def ensure_roles():
    """Make sure the role groups of migration 0002 exist, with their permissions.

    A transactional test (the browser tests, the PostgreSQL concurrency test) ends with a
    flush that empties every table, migration data included; Django's serialized rollback
    puts it back for the next such test, but not every order of tests goes through one.
    """
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    roles = importlib.import_module("procedures.migrations.0002_roles").ROLES
    if Group.objects.filter(name__in=roles).count() == len(roles):
        return
    create_permissions(apps.get_app_config("procedures"), verbosity=0)
    for name, codenames in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="procedures", codename__in=codenames)
        )


def _member(username, group_name):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    ensure_roles()
    user = UserFactory(username=username)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return _member("editor", "Editors")


@pytest.fixture
def other_editor(db):
    return _member("other_editor", "Editors")


@pytest.fixture
def approver(db):
    return _member("approver", "Approvers")


@pytest.fixture
def other_approver(db):
    return _member("other_approver", "Approvers")


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    ensure_roles()  # the administrator puts people in these groups (browser stories)
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def procedure(db):
    from tests.factories import ProcedureFactory

    return ProcedureFactory(title="Server Down Procedures", slug="server-down-procedures")
