"""Full-text search: the same tests on whichever database runs the suite (CI runs both)."""

import io
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures import search, workflow
from procedures.linking import render as render_markdown
from procedures.models import Procedure, Revision
from procedures.search import Clause, Term, parse_query, query
from tests.factories import ProcedureFactory, approved_revision

Status = Revision.Status


def write(procedure, author, body):
    draft = workflow.revision_start_draft(procedure=procedure, user=author)
    draft = workflow.revision_save_draft(
        revision=draft, user=author, body=body, summary="text", expected_version=draft.version
    )
    return workflow.revision_submit(revision=draft, user=author)


def publish(procedure, author, approver, body):
    return workflow.revision_approve(revision=write(procedure, author, body), user=approver)


def titles(text, **kwargs):
    return [hit.procedure.title for hit in search.search(text, **kwargs).hits]


# The query syntax, parsed the same for both databases.


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("backup restore", [Clause((Term("backup"), Term("restore")))]),
        ('"restore a file" tape', [Clause((Term("restore a file", True), Term("tape")))]),
        ("backup -tape", [Clause((Term("backup"),), (Term("tape"),))]),
        ('backup -"tape drive"', [Clause((Term("backup"),), (Term("tape drive", True),))]),
        ("tape OR disk", [Clause((Term("tape"),)), Clause((Term("disk"),))]),
        ("tape or disk", [Clause((Term("tape"),)), Clause((Term("disk"),))]),
        ("a b OR c", [Clause((Term("a"), Term("b"))), Clause((Term("c"),))]),
        ('"unclosed phrase', [Clause((Term("unclosed phrase", True),))]),
        ('"one"', [Clause((Term("one"),))]),
        ("OR backup OR", [Clause((Term("backup"),))]),
        ("-- !! && ( ) ** backup", [Clause((Term("backup"),))]),
        ("-tape OR backup", [Clause((Term("backup"),))]),
        ("nam*", [Clause((Term("nam", prefix=True),))]),
        ("-nam* dns", [Clause((Term("dns"),), (Term("nam", prefix=True),))]),
        ("client's", [Clause((Term("client"),))]),
        ("clients' client\u2019s", [Clause((Term("clients"), Term("client")))]),
        ("don't", [Clause((Term("don't"),))]),
        ("*", []),
    ],
)
def test_query_syntax(text, clauses):
    assert list(parse_query(text).clauses) == clauses


@pytest.mark.parametrize("text", ["-tape", "-tape -disk", "OR", '""', "-- ++ ::", "   "])
def test_queries_that_ask_for_nothing(text):
    query = parse_query(text)
    assert not query
    assert query.problem or not text.strip()


def test_hostile_query_text_stays_text():
    query = parse_query('x" OR 1=1; DROP TABLE procedures_procedure; -- NEAR(a b) {title}:*')
    assert '"' not in "".join(t.text for c in query.clauses for t in c.include)
    assert query.fts5().count('"') % 2 == 0


# Searching, against the real database.


@pytest.fixture
def people(db, editor, approver):
    return editor, approver


@pytest.fixture
def corpus(people):
    editor, approver = people
    body_hit = ProcedureFactory(title="Nightly jobs")
    publish(body_hit, editor, approver, "Check every **firewall** rule before the nightly backup.")
    title_hit = ProcedureFactory(title="Firewall changes")
    publish(title_hit, editor, approver, "Open a change ticket first.")
    unwritten = ProcedureFactory(title="Firewall audit")
    return {"body": body_hit, "title": title_hit, "unwritten": unwritten}


def test_title_match_ranks_above_body_match(corpus):
    # "Nightly jobs" mentions firewall in its text; the others carry it in the title.
    found = titles("firewall")
    assert set(found) == {"Nightly jobs", "Firewall changes", "Firewall audit"}
    assert found[-1] == "Nightly jobs"


def test_title_match_beats_many_body_mentions(people):
    editor, approver = people
    publish(
        ProcedureFactory(title="Mail flow"), editor, approver, "relay " * 50 + "and relay again."
    )
    publish(ProcedureFactory(title="Relay hosts"), editor, approver, "Nothing else here.")
    assert titles("relay") == ["Relay hosts", "Mail flow"]


def test_all_words_must_match(corpus):
    assert titles("firewall nightly") == ["Nightly jobs"]
    assert titles("firewall tape") == []


def test_stemming_finds_other_forms(corpus):
    assert "Nightly jobs" in titles("rules")
    assert "Nightly jobs" in titles("checking")


def test_phrases(people):
    editor, approver = people
    publish(ProcedureFactory(title="A"), editor, approver, "Restart the print spooler service.")
    publish(ProcedureFactory(title="B"), editor, approver, "The service spooler print restart.")
    assert titles('"print spooler"') == ["A"]
    assert set(titles("print spooler")) == {"A", "B"}


def test_exclusion(corpus):
    assert set(titles("firewall -nightly")) == {"Firewall changes", "Firewall audit"}
    assert set(titles('firewall -"nightly backup"')) == {"Firewall changes", "Firewall audit"}
    assert set(titles('firewall -"backup nightly"')) == {"Firewall changes", "Firewall audit"} | {
        "Nightly jobs"
    }
    assert search.search("-firewall").total == 0
    # A title match whose text has the excluded word is left out too.
    assert set(titles("firewall -ticket")) == {"Nightly jobs", "Firewall audit"}


def test_or(corpus):
    assert set(titles("nightly OR ticket")) == {"Nightly jobs", "Firewall changes"}
    assert set(titles("nightly OR ticket", per_page=1)) <= {"Nightly jobs", "Firewall changes"}
    assert search.search("nightly OR ticket").total == 2


def test_not_yet_written_procedures_are_found_by_title(corpus):
    hit = next(h for h in search.search("audit").hits)
    assert hit.procedure == corpus["unwritten"]
    assert hit.procedure.current_revision_id is None
    assert hit.snippet_html == ""


def test_snippets_highlight_and_escape(people):
    editor, approver = people
    publish(
        ProcedureFactory(title="Escaping"),
        editor,
        approver,
        "Never paste `<script>alert('x')</script>` into the ticket & never <b>bold</b> it.",
    )
    snippet = search.search("ticket").hits[0].snippet_html
    assert "<mark>ticket</mark>" in snippet
    # Text that looks like markup is escaped (SQLite) or left out (PostgreSQL's ts_headline
    # drops tag-like words); it never reaches the page as markup.
    assert "<script" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet or "script" not in snippet
    assert "&amp;" in snippet


def test_snippet_shows_a_match_deep_in_a_long_procedure(people):
    editor, approver = people
    filler = " ".join(["Routine paragraph about nothing in particular."] * 400)  # ~19 kB
    publish(
        ProcedureFactory(title="Long one"),
        editor,
        approver,
        f"{filler}\n\nEscalate to the duty manager when quarantined mailboxes pile up.\n\n{filler}",
    )
    snippet = search.search("quarantine").hits[0].snippet_html
    assert "<mark>quarantined</mark> mailboxes" in snippet
    assert "Escalate to the duty manager" in snippet


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("tickets", "ticketing"),  # other forms of the word
        ("policies", "policy"),
        ('"nightly backup"', "nightly"),
        ("zzz", None),
    ],
)
def test_snippet_window_starts_near_the_first_match(text, found):
    body = "word " * 500 + "the ticketing policy for a nightly run " + "word " * 500
    window = query.snippet_window(body, query.query_stems(parse_query(text)))
    assert len(window) <= 1500
    if found:
        assert found in window
        assert not window.startswith("ord")  # starts on a whole word
    else:
        assert window == body[: len(window)]


def test_query_text_cannot_inject_markup(corpus):
    results = search.search('<img src=x onerror=alert(1)> "firewall')
    for hit in results.hits:
        assert "<img" not in hit.title_html + hit.snippet_html


def test_title_is_escaped_and_highlighted(people):
    procedure = ProcedureFactory(title="Routers <b>& switches</b>")
    hit = search.search("routers").hits[0]
    assert hit.procedure == procedure
    assert hit.title_html == "<mark>Routers</mark> &lt;b&gt;&amp; switches&lt;/b&gt;"


def test_drafts_rejected_and_in_review_text_is_never_found(people, other_approver):
    editor, approver = people
    procedure = ProcedureFactory(title="Printers")
    publish(procedure, editor, approver, "Approved words about toner.")
    workflow.revision_reject(
        revision=write(procedure, editor, "Rejected words about zeppelin."),
        user=approver,
        comment="No",
    )
    write(procedure, editor, "Words in review about walrus.")
    draft = workflow.revision_start_draft(procedure=procedure, user=approver)
    workflow.revision_save_draft(
        revision=draft, user=approver, body="Draft words about gondola.", summary="d",
        expected_version=draft.version,
    )  # fmt: skip
    assert titles("toner") == ["Printers"]
    for word in ("zeppelin", "walrus", "gondola"):
        assert search.search(word).total == 0, word


def test_index_follows_approval_and_supersede(people):
    editor, approver = people
    procedure = ProcedureFactory(title="Vpn access")
    assert search.search("wireguard").total == 0
    first = publish(procedure, editor, approver, "Connect with wireguard.")
    assert titles("wireguard") == ["Vpn access"]
    second = publish(procedure, editor, approver, "Connect with ipsec.")
    first.refresh_from_db()
    assert first.status == Status.SUPERSEDED and second.status == Status.APPROVED
    assert search.search("wireguard").total == 0  # superseded text is gone
    assert titles("ipsec") == ["Vpn access"]


def test_index_procedure_without_approved_text_keeps_the_title_only(db):
    procedure = ProcedureFactory(title="Scanner setup")
    revision = approved_revision(procedure, body="Scan to email settings.")
    search.index_procedure(procedure)
    assert search.search("email").total == 1
    Procedure.objects.filter(pk=procedure.pk).update(current_revision=None)
    Revision.objects.filter(pk=revision.pk).update(status=Status.SUPERSEDED)
    procedure.refresh_from_db()
    search.index_procedure(procedure)
    assert search.search("email").total == 0
    assert titles("scanner") == ["Scanner setup"]


def test_new_renamed_and_deleted_procedures_follow_without_reindexing(db):
    procedure = ProcedureFactory(title="Toner orders")
    assert titles("toner") == ["Toner orders"]  # found at once, though never indexed
    procedure.title = "Paper orders"
    procedure.save()
    assert titles("toner") == [] and titles("paper") == ["Paper orders"]
    procedure.delete()
    assert titles("paper") == []


def test_loaded_table_of_contents_is_searchable(manual):
    assert "Final Friday Training" in titles("friday training")


def test_paging_and_total(db):
    for n in range(12):
        ProcedureFactory(title=f"Switch {n}")
    first, second = search.search("switch", page=1), search.search("switch", page=2)
    assert first.total == second.total == 12
    assert len(first.hits) == 10 and len(second.hits) == 2
    assert {h.procedure.pk for h in first.hits}.isdisjoint({h.procedure.pk for h in second.hits})
    past_the_end = search.search("switch", page=99)
    assert past_the_end.page == 2 and len(past_the_end.hits) == 2


def test_rebuild_search_index_command(db):
    approved_revision(ProcedureFactory(title="Badges"), body="Door badge printer.")  # unindexed
    assert search.search("printer").total == 0
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Indexed 1 procedure" in out.getvalue()
    assert titles("printer") == ["Badges"]


def test_rebuild_search_index_dry_run_changes_nothing(db):
    approved_revision(ProcedureFactory(title="Docks"), body="Thunderbolt dock firmware.")
    out = io.StringIO()
    call_command("rebuild_search_index", "--dry-run", stdout=out)
    assert "Would index 1 procedure" in out.getvalue()
    assert search.search("thunderbolt").total == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers only")
def test_rebuild_restores_triggers_a_table_rebuild_dropped(db):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER procedures_search_fts_insert")
    ProcedureFactory(title="Lost in a table rebuild")
    call_command("rebuild_search_index", stdout=io.StringIO())
    ProcedureFactory(title="Found after the rebuild")
    assert set(titles("rebuild")) == {"Found after the rebuild", "Lost in a table rebuild"}


# The search page.


def test_search_page(reader_client, corpus):
    response = reader_client.get(reverse("procedures:search"), {"q": "firewall"})
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "3 procedures match" in body
    assert "<mark>Firewall</mark> changes" in body
    assert body.index(corpus["title"].get_absolute_url()) < body.index("Nightly jobs")
    assert "<mark>firewall</mark>" in body.lower()
    assert "not yet written" in body
    place = corpus["body"].section
    assert f"Volume {place.volume.number} · Section {place.numeral} · {place.title}" in body
    assert 'value="firewall"' in body  # the header box keeps the query


def test_search_box_on_every_page(reader_client, manual):
    for url in ["/", "/manual/1/", "/manual/3/ii/final-friday-training/", "/procedures/"]:
        body = reader_client.get(url).content.decode()
        assert f'action="{reverse("procedures:search")}"' in body and 'name="q"' in body


def test_search_needs_login(client):
    response = client.get(reverse("procedures:search"), {"q": "x"})
    assert response.status_code == HTTPStatus.FOUND


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"q": "x" * 201}, HTTPStatus.BAD_REQUEST, "at most 200 characters"),
        # Refused before the search sees it, as on every page (procedures.security).
        ({"q": "a\x00b"}, HTTPStatus.BAD_REQUEST, "<h1>Bad request</h1>"),
        ({"q": "-firewall"}, HTTPStatus.OK, "excluded words alone"),
        ({"q": "firewall", "page": "abc"}, HTTPStatus.OK, "procedures match"),
        ({"q": "firewall", "page": "99999999999999999999"}, HTTPStatus.OK, "procedures match"),
        ({"q": "zzzzunknown"}, HTTPStatus.OK, "No procedure matches"),
        ({"q": ""}, HTTPStatus.OK, "All words must match"),
        ({}, HTTPStatus.OK, "All words must match"),
    ],
)
def test_search_page_bad_input(reader_client, corpus, params, status, message):
    response = reader_client.get(reverse("procedures:search"), params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_search_page_keeps_refused_query(reader_client, db):
    long = "backup " * 40
    response = reader_client.get(reverse("procedures:search"), {"q": long})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert long.strip() in response.content.decode()


def test_search_page_query_count_does_not_grow(reader_client, db):
    ProcedureFactory(title="Lonely toner")

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            response = reader_client.get(reverse("procedures:search"), {"q": "toner"})
        assert response.status_code == HTTPStatus.OK
        return len(captured), response

    one, response = count_queries()
    assert "1 procedure match" in response.content.decode()
    for n in range(12):
        approved_revision(ProcedureFactory(title=f"Toner {n}"), body="Toner for the printer.")
    many, response = count_queries()
    assert "13 procedures match" in response.content.decode()
    assert many <= one <= 9  # session, user, 2 for permissions (menu), search, count...


def test_plain_text_of_rendered_markdown():
    rendered = render_markdown(
        "## Check **the** back`up`\n\n- one\n- two &amp; &lt;three&gt;\n\nSee [link](/x/)."
    )
    assert "headerlink" in rendered.html
    assert search.plain_text(rendered.html) == "Check the backup one two & <three> See link."
    assert search.plain_text('<p title="a>b">x\x02y</p>') == "x y"


def test_pages_run_from_title_matches_into_body_matches(db):
    title_hits = {ProcedureFactory(title=f"Dock {n}").pk for n in range(3)}
    body_hits = set()
    for n in range(9):
        procedure = ProcedureFactory(title=f"Desk {n}")
        approved_revision(procedure, body=f"Check the dock firmware {'dock ' * n}")
        search.index_procedure(procedure)
        body_hits.add(procedure.pk)
    pages = [search.search("dock", page=page, per_page=4) for page in (1, 2, 3)]
    found = [hit.procedure.pk for results in pages for hit in results.hits]
    assert all(results.total == 12 for results in pages)
    assert set(found[:3]) == title_hits and set(found[3:]) == body_hits
    assert len(found) == len(set(found)) == 12
    assert [hit.title_matched for hit in pages[0].hits] == [True, True, True, False]


# Issue 15: written procedures before stubs, prefixes, possessives (on both databases).


def test_a_written_procedure_whose_title_and_text_match_ranks_above_stubs(people):
    editor, approver = people
    for name in ("Server naming", "Server rooms", "Server racks", "Server audit", "Server list"):
        ProcedureFactory(title=name)
    written = ProcedureFactory(title="Server patching")
    publish(written, editor, approver, "Patch every server monthly. A server reboots after.")
    found = titles("server")
    assert len(found) == 6
    assert found[0] == "Server patching"


def test_prefix_search(people):
    editor, approver = people
    publish(ProcedureFactory(title="DNS"), editor, approver, "Give every host a name.")
    publish(ProcedureFactory(title="Naming"), editor, approver, "Hostnames are lower case.")
    publish(ProcedureFactory(title="Printers"), editor, approver, "Nothing about it.")
    assert set(titles("nam*")) == {"DNS", "Naming"}
    assert titles("nam* -host") == ["Naming"]
    assert titles("nam* OR printers")[0] in {"Naming", "Printers"}
    assert search.search("nam* OR printers").total == 3
    assert titles("zzq*") == []


def test_a_possessive_finds_the_word(people):
    editor, approver = people
    publish(ProcedureFactory(title="Onboarding"), editor, approver, "Ask the client first.")
    assert titles("client's") == ["Onboarding"]
    assert titles("client\u2019s") == ["Onboarding"]
    assert titles("clients") == ["Onboarding"]


@pytest.mark.parametrize("text", ["'*", "a'*", "x'\\'*", "'nam'*", "\\*", "&*", "!x*", "x:*"])
def test_prefix_queries_with_quotes_and_operators_stay_text(people, text):
    search.search(text)  # no database error on either backend
