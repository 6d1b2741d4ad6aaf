"""Where users' text is stored and shown: the registry the stored-XSS test goes through.

test_xss.py makes one place per payload of tests/xss_corpus.py (its own volume, section and
procedure with an approved revision, an owner and an approver), lets every Target below
write payload number i into its field there, and then opens, in Chromium, every page the
targets name, failing on any script that runs or any markup that could run one.

Adding a field (e.g. issue 5's search query, issue 3's review comment on the review page):
append a Target with
- `field`: what it is, for the failure message;
- `plant(place, payload)`: store the payload in that field of `place` (a Place below; add
  to Place what the new feature needs), cut to the field's length by `fit()`;
- `pages(place)`: the paths that show the field (query strings allowed, e.g. a search);
- `as_anonymous=True` if the page is for people not logged in;
- `as_editor=True` if the page is for the editor `XSS_EDITOR` (their own drafts' pages);
- `as_admin=True` if it is for administrators only (the People pages); others are opened as a
  reader.
Pages named by several targets are opened once.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone

from procedures.models import Procedure, Revision, Section, Volume
from tests.factories import UserFactory
from tests.roles import make_user

# The editor who browses the editors' pages (their own draft's edit page).
XSS_EDITOR = "xss-editor"

ROMAN = [(100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip


def roman(number: int) -> str:
    out = ""
    for value, numeral in ROMAN:
        while number >= value:
            out, number = out + numeral, number - value
    return out


def fit(model, field: str, payload: str) -> str:
    """Cut a payload to what the database column holds (PostgreSQL enforces it)."""
    max_length = model._meta.get_field(field).max_length
    return payload[:max_length] if max_length else payload


@dataclass
class Place:
    """Payload number `index`'s own corner of the manual."""

    index: int
    payload: str
    volume: Volume
    section: Section
    procedure: Procedure
    revision: Revision  # approved, current
    owner: object
    approver: object

    @classmethod
    def make(cls, index: int, payload: str) -> Place:
        volume = Volume.objects.create(number=index + 1, title=f"Volume {index + 1}")
        section = Section.objects.create(
            volume=volume, numeral=roman(index + 1), title=f"Section {index}", position=1
        )
        owner = UserFactory(username=f"owner-{index}")
        approver = UserFactory(username=f"approver-{index}")
        procedure = Procedure.objects.create(
            section=section, title=f"Procedure {index}", slug=f"p-{index}", position=1, owner=owner
        )
        now = timezone.now()
        revision = Revision.objects.create(
            procedure=procedure, number=1, body="Text", author=owner, reviewer=approver,
            status=Revision.Status.APPROVED, submitted_at=now, reviewed_at=now,
        )  # fmt: skip
        procedure.current_revision = revision
        procedure.save(update_fields=["current_revision"])
        return cls(index, payload, volume, section, procedure, revision, owner, approver)


def _set(obj, field: str, payload: str) -> None:
    setattr(obj, field, fit(type(obj), field, payload))
    obj.save()


@dataclass(frozen=True)
class Target:
    field: str
    plant: Callable[[Place, str], None]
    pages: Callable[[Place], list[str]]
    as_anonymous: bool = False
    as_editor: bool = False
    as_admin: bool = False

    @property
    def viewer(self) -> str:
        if self.as_anonymous:
            return "anonymous"
        return "editor" if self.as_editor else "admin" if self.as_admin else "reader"


def _directory_person(place: Place, payload: str) -> None:
    from people import oidc

    claims = {"sub": f"xss-{place.index}", "email": f"directory-{place.index}@example.test"}
    oidc.create_person({**claims, "given_name": payload, "family_name": payload[::-1]})


def _directory_person_pk(place: Place) -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=f"directory-{place.index}@example.test").pk


def _reading(place: Place) -> list[str]:
    return [place.procedure.get_absolute_url()]


def _history(place: Place) -> list[str]:
    """The procedure page, its history and the approved revision's own page."""
    return [
        *_reading(place),
        reverse("procedures:history", kwargs=place.procedure.url_kwargs()),
        place.revision.get_absolute_url(),
    ]


def _listing(place: Place) -> list[str]:
    return ["/", place.volume.get_absolute_url(), place.section.get_absolute_url()]


def _attachment(place: Place, payload: str) -> None:
    """A file named by the payload, in the approved text: listed under the procedure."""
    from attachments.models import Attachment, RevisionAttachment

    attachment = Attachment.objects.create(
        sha256=hashlib.sha256(f"xss-{place.index}".encode()).hexdigest(),
        kind=Attachment.Kind.FILE,
        file="attachments/xss.txt",
        name=fit(Attachment, "name", payload),
        content_type="text/plain; charset=utf-8",
        size=len(payload),
        uploaded_by=place.owner,
    )
    RevisionAttachment.objects.create(revision=place.revision, attachment=attachment, in_text=True)


def _run(place: Place, kind: str = "open"):
    """Issue 16: a checklist run of the place's procedure for the place's own client."""
    from checklists.models import Client, Run, RunEvent, Step

    key = f"_run_{kind}"
    if key not in place.__dict__:
        client = place.__dict__.get("_client") or Client.objects.create(
            name=f"Client {place.index}", code=f"C{place.index}"
        )
        place.__dict__["_client"] = client
        now = timezone.now()
        finished = {"finished_by": place.owner, "finished_at": now} if kind != "open" else {}
        run = Run.objects.create(
            procedure=place.procedure, revision=place.revision, client=client,
            started_by=place.owner, status=kind, abandon_reason="x" if kind != "open" else "",
            **finished,
        )  # fmt: skip
        Step.objects.create(run=run, position=1, html="A step")
        RunEvent.objects.create(run=run, kind=RunEvent.Kind.STARTED, user=place.owner)
        place.__dict__[key] = run
    return place.__dict__[key]


def _step_text(place: Place, payload: str) -> None:
    """The payload as a task item's text, through the extraction a run is started with."""
    from checklists.text import extract_steps

    steps = extract_steps(f"- [ ] {payload}")
    step = _run(place).steps.get()
    step.html = steps[0].html if steps else "no step"
    step.save()


def _step_na(place: Place, payload: str) -> None:
    step = _run(place).steps.get()
    step.state, step.na_reason = "na", payload.strip() or "x"
    step.changed_by, step.changed_at = place.owner, timezone.now()
    step.save()


def _event(place: Place, payload: str) -> None:
    from checklists.models import RunEvent

    RunEvent.objects.create(run=_run(place), kind="noted", user=place.owner, detail=payload)


def _run_pages(place: Place) -> list[str]:
    run = _run(place)
    return [
        run.get_absolute_url(),
        reverse("checklists:runs") + f"?client={run.client_id}",
        run.client.get_absolute_url(),
    ]


def _abandoned_pages(place: Place) -> list[str]:
    return [_run(place, "abandoned").get_absolute_url()]


def _schedule(place: Place):
    """Issue 16: a monthly schedule of the place's procedure for the place's client (made
    directly: the place's procedure has no task items, which the transition would refuse)."""
    from checklists.models import Schedule, ScheduleEvent

    if "_schedule" not in place.__dict__:
        _run(place)
        schedule = Schedule.objects.create(
            client=place.__dict__["_client"], procedure=place.procedure, frequency="monthly",
            weekday=0, assignee=place.owner, created_by=place.owner,
        )  # fmt: skip
        ScheduleEvent.objects.create(schedule=schedule, kind="created", user=place.owner)
        place.__dict__["_schedule"] = schedule
    return place.__dict__["_schedule"]


def _schedule_event(place: Place, payload: str) -> None:
    from checklists.models import ScheduleEvent

    ScheduleEvent.objects.create(
        schedule=_schedule(place), kind="ended", user=place.owner, detail=payload
    )


def _schedule_pages(place: Place) -> list[str]:
    schedule = _schedule(place)
    return [schedule.get_absolute_url(), schedule.client.get_absolute_url()]


def _schedule_forms(place: Place) -> list[str]:
    schedule = _schedule(place)
    return [
        reverse("checklists:schedule_edit", kwargs={"pk": schedule.pk}),
        reverse("checklists:schedule_add") + f"?client={quote(schedule.client.code)}",
    ]


def _open_draft(place: Place, author) -> Revision:
    number = place.procedure.revisions.count() + 1
    return Revision.objects.create(
        procedure=place.procedure, number=number, body="Draft", author=author,
        based_on=place.revision,
    )  # fmt: skip


def _someone_else_drafting(place: Place, payload: str) -> None:
    """The owner (hostile names planted by the targets above) drafts beside XSS_EDITOR."""
    _open_draft(place, place.owner)
    editor = make_user("editor", username=XSS_EDITOR)
    _open_draft(place, editor)


def _editors_draft(place: Place) -> list[str]:
    draft = place.procedure.revisions.get(author__username=XSS_EDITOR, status="draft")
    return [reverse("procedures:revision_edit", kwargs=draft.url_kwargs())]


def _changed_body(place: Place, payload: str) -> None:
    """Revision 2, in review, adds the payload to the approved text: both diffs show it."""
    Revision.objects.create(
        procedure=place.procedure, number=place.procedure.revisions.count() + 1,
        body=fit(Revision, "body", f"Text\n\n{payload}\n\n- {payload}"), author=place.owner,
        status=Revision.Status.IN_REVIEW, submitted_at=timezone.now(), based_on=place.revision,
    )  # fmt: skip
    make_user("editor", username=XSS_EDITOR)


def _diff_pages(place: Place) -> list[str]:
    """The review page and the compare page, each on its rendered diff."""
    latest = place.procedure.revisions.order_by("-number").first()
    compare = reverse("procedures:compare", kwargs=place.procedure.url_kwargs())
    return [
        reverse("procedures:review", kwargs=latest.url_kwargs()) + "?view=rendered",
        f"{compare}?from={place.revision.number}&to={latest.number}&view=rendered",
    ]


def _bookmarked(place: Place, payload: str) -> None:
    """XSS_EDITOR starred the procedure (its title the payload) and read it lately."""
    from procedures.models import Favourite, RecentView

    _set(place.procedure, "title", payload)
    editor = make_user("editor", username=XSS_EDITOR)
    Favourite.objects.get_or_create(user=editor, procedure=place.procedure)
    RecentView.objects.get_or_create(user=editor, procedure=place.procedure)


def _titled(place: Place, payload: str) -> None:
    _set(place.procedure, "title", payload)
    make_user("editor", username=XSS_EDITOR)


def _title_lookup(place: Place) -> list[str]:
    return [reverse("procedures:procedure_titles") + "?q=" + quote(place.procedure.title[:50])]


def _rejection_being_fixed(place: Place, payload: str) -> None:
    """A rejected revision (comment: the payload), revised by one in review and by
    XSS_EDITOR's draft: the review page and the edit page quote the comment."""
    now = timezone.now()
    rejected = Revision.objects.create(
        procedure=place.procedure, number=place.procedure.revisions.count() + 1, body="Old",
        author=place.owner, reviewer=place.approver, status=Revision.Status.REJECTED,
        submitted_at=now, reviewed_at=now, based_on=place.revision,
        review_comment=fit(Revision, "review_comment", payload),
    )  # fmt: skip
    Revision.objects.create(
        procedure=place.procedure, number=rejected.number + 1, body="Fixed", author=place.owner,
        status=Revision.Status.IN_REVIEW, submitted_at=now, based_on=place.revision,
        revises=rejected,
    )  # fmt: skip
    editor = make_user("editor", username=XSS_EDITOR)
    place.procedure.revisions.filter(author=editor, status="draft").update(revises=rejected)


def _fix_pages(place: Place) -> list[str]:
    in_review = place.procedure.revisions.get(
        status=Revision.Status.IN_REVIEW, revises__isnull=False
    )
    return [reverse("procedures:review", kwargs=in_review.url_kwargs()), *_editors_draft(place)]


def _offered_as_template(place: Place, payload: str) -> None:
    """The place's procedure (its title planted above) is offered as a template, on the
    edit page of a procedure not yet written."""
    place.procedure.is_template = True
    place.procedure.save(update_fields=["is_template"])
    Procedure.objects.get_or_create(
        section=place.section, slug="unwritten", defaults={"title": "Unwritten", "position": 2}
    )


def _template_pages(place: Place) -> list[str]:
    """Issue 15: the section page's default-template choice (titles as options) and the
    template's page with its "No longer a template" button."""
    section = {"volume": place.volume.number, "section": place.section.numeral}
    return [reverse("procedures:section", kwargs=section), place.procedure.get_absolute_url()]


def _start_page(place: Place) -> list[str]:
    unwritten = place.section.procedures.get(slug="unwritten")
    return [reverse("procedures:edit", kwargs=unwritten.url_kwargs())]


def _review_page(place: Place) -> list[str]:
    return [reverse("compliance:procedure_review", kwargs=place.procedure.url_kwargs())]


def _due(place: Place) -> list[str]:
    return [*_reading(place), *_review_page(place), reverse("compliance:due")]


def _overdue(place: Place) -> None:
    """Issue 14: approved long ago, so the procedure is on the due list."""
    Revision.objects.filter(pk=place.revision.pk).update(
        reviewed_at=timezone.now() - datetime.timedelta(days=800)
    )


def _owner_name(field: str) -> Callable[[Place, str], None]:
    def plant(place: Place, payload: str) -> None:
        _overdue(place)
        _set(place.owner, field, payload)

    return plant


def _review_comment(place: Place, payload: str) -> None:
    """Issue 14: a "reviewed, no change" comment, in the procedure's review history."""
    from compliance.models import ReviewEvent

    ReviewEvent.objects.create(
        procedure=place.procedure, revision=place.revision, actor=place.owner,
        action=ReviewEvent.Action.CONFIRMED, comment=payload or "x",
    )  # fmt: skip


def _archived(place: Place, payload: str) -> None:
    """Issue 14: an archived procedure of the place (a title, a reason, a rename's detail)."""
    from procedures.models import ProcedureEvent

    procedure = Procedure.objects.create(
        section=place.section, title=fit(Procedure, "title", f"Old {payload}"),
        slug=f"old-{place.index}", position=3, archived_at=timezone.now(),
        archived_by=place.approver, archive_reason=payload,
    )  # fmt: skip
    for action, detail, comment in [("renamed", f"from “{payload}” to “Old”", ""),
                                    ("archived", "", payload)]:  # fmt: skip
        ProcedureEvent.objects.create(
            procedure=procedure, actor=place.approver, action=action,
            detail=fit(ProcedureEvent, "detail", detail), comment=comment,
        )  # fmt: skip
    place.__dict__["_archived"] = procedure


def _archived_pages(place: Place) -> list[str]:
    procedure = place.__dict__["_archived"]
    return [procedure.get_absolute_url(),
            reverse("procedures:history", kwargs=procedure.url_kwargs())]  # fmt: skip


def _reorganising_pages(place: Place) -> list[str]:
    """The approvers' rename-or-move form (titles, every section in its list) and the
    reorder pages (procedure and section titles)."""
    archived = place.__dict__["_archived"]
    section = {"volume": place.volume.number, "section": place.section.numeral}
    return [
        reverse("procedures:reorganise", kwargs=place.procedure.url_kwargs()),
        reverse("procedures:reorganise", kwargs=archived.url_kwargs()),
        reverse("procedures:section_order", kwargs=section),
        reverse("procedures:volume_order", kwargs={"volume": place.volume.number}),
    ]


def _acknowledgement_asked(place: Place, payload: str) -> None:
    """Issue 14: the procedure asks a group named by the payload (owner and approver in it)
    to acknowledge it; the approver has, the owner (hostile names) has not."""
    from django.contrib.auth.models import Group

    from compliance.models import Acknowledgement, AcknowledgementRequirement

    group = Group.objects.create(name=fit(Group, "name", payload)[:140] + f" #{place.index}")
    # get_or_create: the acknowledgement-rules target below plants the procedure's rule too.
    requirement, _ = AcknowledgementRequirement.objects.get_or_create(
        procedure=place.procedure, defaults={"due_days": 1, "created_by": place.approver}
    )
    requirement.groups.add(group)
    for person in (place.owner, place.approver):
        person.groups.add(group)
    Acknowledgement.objects.create(
        person=place.approver, procedure=place.procedure, revision=place.revision
    )


def _report_pages(place: Place) -> list[str]:
    from django.contrib.auth.models import Group

    group = Group.objects.get(name__endswith=f" #{place.index}")
    overview = reverse("compliance:report")
    return [
        overview, f"{overview}?group={group.pk}", f"{overview}?as_of={quote(place.payload)}",
        reverse("compliance:report_procedure", kwargs=place.procedure.url_kwargs()),
        reverse("compliance:report_person", kwargs={"pk": place.owner.pk}),
    ]  # fmt: skip


def _acknowledgement_rules(place: Place, payload: str) -> None:
    """Issue 14: the procedure asks everyone to acknowledge it (its title on To read and in
    the page's panel); its section asks a group named by the payload."""
    from django.contrib.auth.models import Group

    from compliance.models import AcknowledgementRequirement

    group, _ = Group.objects.get_or_create(name=fit(Group, "name", payload) or "x")
    AcknowledgementRequirement.objects.get_or_create(
        procedure=place.procedure, defaults={"created_by": place.approver}
    )
    rule = AcknowledgementRequirement.objects.create(
        section=place.section, created_by=place.approver, due_days=14
    )
    rule.groups.add(group)


def _acknowledgement_pages(place: Place) -> list[str]:
    kwargs = place.procedure.url_kwargs()
    section = {"volume": place.volume.number, "section": place.section.numeral}
    return [
        *_reading(place),
        reverse("compliance:to_read"),
        reverse("compliance:procedure_acknowledgements", kwargs=kwargs),
        reverse("compliance:section_acknowledgements", kwargs=section),
        reverse("compliance:since_read", kwargs=kwargs),
    ]


TARGETS = [
    Target("volume title", lambda p, x: _set(p.volume, "title", x), _listing),
    Target(
        "section title",
        lambda p, x: _set(p.section, "title", x),
        lambda p: [*_listing(p), *_reading(p)],
    ),
    Target(
        "procedure title",
        lambda p, x: _set(p.procedure, "title", x),
        lambda p: [*_listing(p), *_reading(p)],
    ),
    Target("revision body (Markdown)", lambda p, x: _set(p.revision, "body", x), _history),
    Target("change summary", lambda p, x: _set(p.revision, "summary", x), _history),
    Target("review comment", lambda p, x: _set(p.revision, "review_comment", x), _history),
    # Shown as "approved by <full name or username>" and "owner <full name or username>".
    Target("approver username", lambda p, x: _set(p.approver, "username", x), _history),
    # Issue 14: also on the review page and the due list.
    Target("owner first name", _owner_name("first_name"), _due),
    Target("owner last name", _owner_name("last_name"), _due),
    # The approver's username holds the same payload: the owner's starts differently.
    Target("owner username", lambda p, x: _owner_name("username")(p, f"o{x}"), _due),
    Target("review confirmation comment", _review_comment, _review_page),
    # Issue 14: group names in acknowledgement rules; titles on To read and the panel.
    Target("acknowledgement group name", _acknowledgement_rules, _acknowledgement_pages),
    # Issue 18: names on the "Who approves" page (owners of procedures), for every reader.
    Target("owner names on Who approves", lambda p, x: None, lambda p: ["/people/who/"]),
    # Names, usernames and addresses on the People list (every page of it) and each person's.
    Target(
        "names on the People pages",
        lambda p, x: _set(p.approver, "email", x),
        lambda p: [
            reverse("people:person", kwargs={"pk": p.owner.pk}),
            reverse("people:person", kwargs={"pk": p.approver.pk}),
            *(f"/people/?page={n}" for n in (1, 2, 3)),
        ],
        as_admin=True,
    ),
    # Names a directory sign-in writes (LDAP givenName/sn, OpenID Connect claims): on Who
    # approves, the People pages and the person's own second-factor page.
    Target(
        "directory display name (first and last name)",
        lambda p, x: (_set(p.approver, "first_name", x), _set(p.approver, "last_name", x)),
        lambda p: [
            "/people/who/",
            reverse("people:person", kwargs={"pk": p.approver.pk}),
            reverse("people:second_factor"),
        ],
        as_admin=True,
    ),
    # Issue 14: the compliance report shows group names, people's names (the owner's are
    # planted above) and titles; its "as of" filter writes what was typed back (reflected).
    Target("compliance report", _acknowledgement_asked, _report_pages, as_admin=True),
    # A person's name as the directory sent it (people/oidc.py stores it from the claims).
    Target(
        "name from the directory (OpenID Connect)",
        _directory_person,
        lambda p: [reverse("people:person", kwargs={"pk": _directory_person_pk(p)})],
        as_admin=True,
    ),
    # Issue 13: an attached file's name, in the list under the approved text.
    Target("attachment file name", _attachment, _reading),
    # Issue 16: what checklist runs show: client names, tickets, steps, notes and reasons.
    Target("client name", lambda p, x: _set(_run(p).client, "name", x), _run_pages),
    Target("run ticket reference", lambda p, x: _set(_run(p), "ticket", x), _run_pages),
    Target("run step text (task item)", _step_text, _run_pages),
    Target("run step note", lambda p, x: _set(_run(p).steps.get(), "note", x), _run_pages),
    Target("run step N/A reason", _step_na, _run_pages),
    Target("run trail detail", _event, _run_pages),
    Target(
        "run abandon reason",
        lambda p, x: _set(_run(p, "abandoned"), "abandon_reason", x.strip() or "x"),
        _abandoned_pages,
    ),
    # Schedules (issue 16): the client's page and the schedule's page, read only for readers;
    # the form (client and procedure choices) for approvers. The assignee is the owner, whose
    # username the "owner username" target plants.
    Target(
        "schedule's client name", lambda p, x: _set(_schedule(p).client, "name", x), _schedule_pages
    ),
    Target(
        "schedule's procedure title",
        lambda p, x: _set(_schedule(p).procedure, "title", x),
        _schedule_pages,
    ),
    Target("schedule history detail", _schedule_event, _schedule_pages),
    Target(
        "schedule form choices",
        lambda p, x: _set(_schedule(p).procedure, "title", x),
        _schedule_forms,
        as_admin=True,
    ),
    Target(
        "schedule form client",
        lambda p, x: _set(_schedule(p).client, "name", x),
        _schedule_forms,
        as_admin=True,
    ),
    # The edit page's "Someone else is also drafting this procedure: <full name>" (issue 15).
    Target("other drafter's name", _someone_else_drafting, _editors_draft, as_editor=True),
    # The review page and the edit page quote the rejection a revision fixes (issue 15).
    Target("rejection being fixed", _rejection_being_fixed, _fix_pages, as_editor=True),
    # The edit page of a procedure not yet written offers templates by title (issue 15).
    Target("template title", _offered_as_template, _start_page, as_editor=True),
    # The section page lets approvers choose its default among templates by title (issue 15).
    Target(
        "template title on the section page", _offered_as_template, _template_pages, as_admin=True
    ),
    # Issue 14: an archived procedure's page and trail; the approvers' reorganising pages.
    Target("archived title, reason and rename", _archived, _archived_pages),
    Target(
        "titles on the reorganising pages", lambda p, x: None, _reorganising_pages, as_admin=True
    ),
    # The edit page's [[link]] suggestions (issue 15): titles as JSON for editors; the list
    # itself, written with textContent, is test_link_autocomplete's hostile-title test.
    Target("procedure title in link suggestions", _titled, _title_lookup, as_editor=True),
    # My work's Favourites and Recently viewed, and the contents page's panel of them
    # (issue 15), name procedures by title.
    Target(
        "bookmarked procedure title",
        _bookmarked,
        lambda p: [reverse("procedures:my_work"), reverse("procedures:contents")],
        as_editor=True,
    ),
    # The review and compare pages' rendered diff (issue 15): marked blocks of two revisions.
    Target("revision body in the rendered diff", _changed_body, _diff_pages, as_editor=True),
    # Reflected: the header search box and the list's title filter write the query back.
    Target(
        "search query",
        lambda p, x: None,
        lambda p: [f"/search/?q={quote(p.payload)}", f"/procedures/?title={quote(p.payload)}"],
    ),
    # Reflected rather than stored: the login form writes `next` back into the page.
    Target(
        "login ?next=",
        lambda p, x: None,
        lambda p: [f"/accounts/login/?next={quote(p.payload)}"],
        as_anonymous=True,
    ),
]
