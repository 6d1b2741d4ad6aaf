"""Every list and detail page costs the same number of queries for a small and a large manual,
with the caches cold (first visit after a change) and warm (every visit after that)."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import Procedure
from tests.conftest import _member
from tests.factories import ProcedureFactory, SectionFactory, UserFactory, approved_revision

pytestmark = pytest.mark.django_db

PAGES = {
    "contents": lambda p: "/",
    "volume": lambda p: p.section.volume.get_absolute_url(),
    "section": lambda p: p.section.get_absolute_url(),
    "procedure": lambda p: p.get_absolute_url(),
}
# Warm: the user only. The session, the user's permissions (for the role-aware menu), the
# table of contents, work in review and the procedure's approved text all come from caches.
# Cold adds the session, the permissions (2), the table of contents (3), work in review and,
# on a procedure page, its row, "Linked from", "Attached files" (issue 13: one query,
# however many files) and the review dates (issue 14: one query, compliance's own rows);
# read acknowledgements (issue 14): the rule named in the procedure's header (one query)
# and the reader's reading state for the menu and the page's panel (one query for the rules;
# a few more only when some procedure asks acknowledgement, pinned in tests/compliance); and
# the reader's starred and recently viewed procedures (issue 15: one query, for the star and
# the contents page's panel, then kept per person in the cache).
WARM_QUERIES = {"contents": 1, "volume": 1, "section": 1, "procedure": 1}


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
    assert all(cold <= WARM_QUERIES[page] + 14 for page, (cold, _warm) in small.items())


def submit(procedure, author, body="Proposed text"):
    from procedures import workflow

    draft = workflow.revision_start_draft(procedure=procedure, user=author)
    draft = workflow.revision_save_draft(
        revision=draft, user=author, body=body, summary="Change", expected_version=draft.version
    )
    return workflow.revision_submit(revision=draft, user=author)


@pytest.mark.parametrize("role", ["editor", "approver"])
def test_procedure_page_for_editors_and_approvers_does_not_grow_with_work(
    role, request, client, other_editor
):
    """An editor's page also reads their own draft, one query; the approver's menu counts the
    review queue from the cache; neither grows with the revisions in review."""
    user = request.getfixturevalue(role)
    client.force_login(user)
    procedure = small_manual()
    submit(procedure, other_editor)
    url = procedure.get_absolute_url()
    _cold, few = cold_and_warm(client, url)
    for _ in range(20):
        submit(ProcedureFactory(section=procedure.section), other_editor)
    submit(procedure, _member("third-editor", "Editors"))
    _cold, many = cold_and_warm(client, url)
    assert few == many == 2
    page = client.get(url).content.decode()
    assert page.count("is in review") == 1
    assert ">revision 2</a> by other_editor, <a" in page
    assert ">revision 3</a> by third-editor" in page
    if role == "approver":
        assert '<span class="badge text-bg-warning review-count">22<' in page
