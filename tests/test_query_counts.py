"""Every list and detail page costs the same number of queries for a small and a large manual,
with the caches cold (first visit after a change) and warm (every visit after that)."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import Procedure
from tests.factories import ProcedureFactory, SectionFactory, UserFactory, approved_revision

pytestmark = pytest.mark.django_db

PAGES = {
    "contents": lambda p: "/",
    "volume": lambda p: p.section.volume.get_absolute_url(),
    "section": lambda p: p.section.get_absolute_url(),
    "procedure": lambda p: p.get_absolute_url(),
}
# Warm: the user and the user's permissions (2, for the role-aware menu); the session comes
# from the cache. A procedure page adds the procedure row and its work in review (per user,
# never cached). Cold adds the session, the table of contents (3) and, on a procedure page,
# "Linked from".
WARM_QUERIES = {"contents": 3, "volume": 3, "section": 3, "procedure": 5}


def small_manual():
    procedure = ProcedureFactory(section=SectionFactory(numeral="I"), owner=UserFactory())
    approved_revision(procedure)
    return procedure


def large_manual():
    """The real 163 procedures, all approved, owned, one of them with many revisions."""
    call_command("loaddata", str(settings.BASE_DIR / "fixtures" / "manual.json"), verbosity=0)
    owner, reviewer = UserFactory(), UserFactory()
    body = "# Step\n\n" + "Text with a [link](https://example.test/). " * 100
    for procedure in Procedure.objects.with_place():
        procedure.owner = owner
        procedure.save(update_fields=["owner"])
        approved_revision(procedure, reviewer=reviewer, body=body)
    target = Procedure.objects.with_place().get(slug="final-friday-training")
    for _ in range(15):
        approved_revision(target, reviewer=reviewer, body=body)
    return target


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def cold_and_warm(client, url):
    for cache in caches.all():
        cache.clear()
    return count_queries(client, url), count_queries(client, url)


def test_query_counts_do_not_grow_with_the_manual(reader_client):
    small_procedure = small_manual()
    small = {
        page: cold_and_warm(reader_client, url(small_procedure)) for page, url in PAGES.items()
    }
    large_procedure = large_manual()
    large = {
        page: cold_and_warm(reader_client, url(large_procedure)) for page, url in PAGES.items()
    }
    assert small == large
    assert {page: warm for page, (_cold, warm) in small.items()} == WARM_QUERIES
    assert all(cold <= WARM_QUERIES[page] + 5 for page, (cold, _warm) in small.items())
