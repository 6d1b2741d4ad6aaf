import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def run_manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        # SOP_DEVTOOLS: pytest-env turns it on for the suite; production never has it.
        if not k.startswith(
            ("DJANGO_", "DATABASE_URL", "SECURE_", "DEBUG", "SOP_DEVTOOLS", "CACHE_")
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_only_the_three_production_variables(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "sop.example.internal",
            "SOP_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def production_env(tmp_path):
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "sop.example.internal",
        "SOP_VAR_DIR": str(tmp_path),
    }


def test_production_settings_do_not_install_the_benchmark_and_corpus_tools(tmp_path):
    code = "from django.conf import settings; print(*settings.INSTALLED_APPS)"
    result = run_manage("shell", "--no-imports", "-c", code, env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "procedures" in result.stdout.split()
    assert "devtools" not in result.stdout.split()
    commands = run_manage("help", "--commands", env=production_env(tmp_path))
    assert "rebuild_search_index" in commands.stdout.split()
    assert not {"generate_corpus", "bench_search"} & set(commands.stdout.split())


def test_sop_devtools_installs_them_and_nothing_of_them_is_served(tmp_path):
    code = """
from django.conf import settings
from django.urls import NoReverseMatch, reverse
print(*settings.INSTALLED_APPS)
try:
    print(reverse("bench_bare"))
except NoReverseMatch:
    print("not served")
"""
    env = {**production_env(tmp_path), "SOP_DEVTOOLS": "1"}
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    installed, served = result.stdout.strip().splitlines()
    assert "devtools" in installed.split()
    assert served == "not served"  # /bench/bare/ only with a saved page (SOP_BENCH_HTML)
    env["SOP_BENCH_HTML"] = str(tmp_path / "bare.html")
    result = run_manage("shell", "--no-imports", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[1] == "/bench/bare/"


def test_check_deploy_fails_in_debug(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        env={"DEBUG": "1", "SOP_VAR_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode != 0
    assert "DEBUG" in result.stderr + result.stdout


def test_local_secret_key_is_generated_once_outside_the_repo(tmp_path):
    env = {"SOP_VAR_DIR": str(tmp_path)}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_manage("shell", "--no-imports", "-c", code, env=env).stdout.strip()
    second = run_manage("shell", "--no-imports", "-c", code, env=env).stdout.strip()
    assert len(first) >= 50 and first == second
    assert (tmp_path / "secret_key").read_text().strip() == first


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite settings; the PostgreSQL run has its own locking",
)
@pytest.mark.django_db
def test_sqlite_is_set_up_for_concurrent_writers():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


WRITER = """
import time
from django.db import transaction
from procedures.models import Volume
for i in range(20):
    with transaction.atomic():
        # Read, then write: the pattern of every workflow transition. In a deferred
        # transaction the upgrade from reader to writer fails at once when the other
        # process wrote meanwhile; IMMEDIATE takes the write lock up front, so it waits.
        taken = Volume.objects.filter(number__gte={base}).count()
        time.sleep(0.02)
        Volume.objects.create(number={base} + taken, title="writer")
print("ok")
"""


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite settings; the PostgreSQL run has its own locking",
)
def test_concurrent_sqlite_writers_wait_instead_of_failing(tmp_path):
    env = {"SOP_VAR_DIR": str(tmp_path)}
    assert run_manage("migrate", "-v0", env=env).returncode == 0
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    writers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", WRITER.format(base=base)],
            cwd=settings.BASE_DIR,
            env={**clean, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for base in (100, 200)
    ]
    results = [w.communicate(timeout=120) for w in writers]
    for (out, err), writer in zip(results, writers, strict=True):
        assert writer.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip().endswith("ok")


CACHES_AS_JSON = """
import json
from django.conf import settings
print(json.dumps(settings.CACHES))
"""


def caches_for(tmp_path, **env):
    result = run_manage(
        "shell", "--no-imports", "-c", CACHES_AS_JSON, env={"SOP_VAR_DIR": str(tmp_path), **env}
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_cache_url_the_default_cache_is_files_under_var(tmp_path):
    caches = caches_for(tmp_path)
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert caches["default"]["LOCATION"] == str(tmp_path / "cache")
    assert "KEY_PREFIX" not in caches["default"]
    assert caches == caches_for(tmp_path, CACHE_URL="file://")


@pytest.mark.parametrize(
    "url",
    ["redis://127.0.0.1:6379/3", "rediss://:secret@redis.example.internal:6380/0"],
)
def test_a_redis_url_gives_djangos_redis_cache_with_a_key_prefix(tmp_path, url):
    caches = caches_for(tmp_path, CACHE_URL=url, CACHE_KEY_PREFIX="sop-prod")
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches["default"]["LOCATION"] == url
    assert caches["default"]["KEY_PREFIX"] == "sop-prod"


def test_other_cache_urls(tmp_path):
    files = caches_for(tmp_path, CACHE_URL="file:///srv/sop-cache")["default"]
    assert files["BACKEND"].endswith("FileBasedCache") and files["LOCATION"] == "/srv/sop-cache"
    memory = caches_for(tmp_path, CACHE_URL="locmem://")["default"]
    assert memory["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize("url", ["redis://", "memcached://127.0.0.1:11211", "file://relative"])
def test_a_cache_url_that_makes_no_sense_stops_the_start(tmp_path, url):
    result = run_manage("check", env={"SOP_VAR_DIR": str(tmp_path), "CACHE_URL": url})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "CACHE_URL" in result.stderr


@pytest.mark.parametrize("url", [None, "redis://127.0.0.1:6379/3"])
def test_template_fragments_stay_in_each_processs_memory(tmp_path, url):
    caches = caches_for(tmp_path, **({"CACHE_URL": url} if url else {}))
    assert (
        caches["template_fragments"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    )
