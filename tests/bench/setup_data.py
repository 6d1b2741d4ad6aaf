"""Fill the bench database: the real table of contents (163 procedures), each with one
approved revision whose text comes from `generate_corpus`'s writer (Zipf-distributed words,
headings, lists; reproducible) followed by a fixed block of steps, a checklist, a table and
code, then the simulated people and a logged-in session for each.

Run by tests/bench/run.py (`make bench`) as
`python -m tests.bench.setup_data OUT.json --readers 50 --editors 5` against the bench
database named by DATABASE_URL. Writes OUT.json: session cookies, the URLs to visit, the
search queries (`bench_search.make_queries`, drawn from the approved text) and the
procedures the editors revise.
"""

import argparse
import json
import random
import sys

import django


def body_for(title: str, seed: int) -> str:
    """Return a reproducible procedure-like Markdown body (~8 KB): prose and headings from
    generate_corpus's writer, then steps, a checklist, a table and code."""
    from devtools.management.commands.generate_corpus import Writer

    prose = Writer(random.Random(seed), targets=[]).document(link=False).markdown()
    return prose + "\n" + _structured(seed)


def _structured(seed: int) -> str:
    rng = random.Random(seed)
    words = [
        "ticket", "client", "backup", "server", "firewall", "patch", "user", "account",
        "password", "restore", "check", "verify", "schedule", "escalate", "document",
        "contract", "onboarding", "monitor", "alert", "licence", "workstation", "network",
        "switch", "vendor", "invoice", "technician", "dispatch", "report", "audit",
    ]  # fmt: skip

    def sentence(n: int = 12) -> str:
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    parts = [f"{sentence(20)} {sentence(16)}", "", "## Purpose", "", sentence(30), ""]
    parts += ["## Before you start", ""]
    parts += [f"- [ ] {sentence(8)}" for _ in range(5)] + [""]
    parts += ["## Steps", ""]
    for step in range(1, 13):
        parts += [f"{step}. {sentence(18)}"]
    parts += ["", "!!! warning", f"    {sentence(20)}", ""]
    parts += ["## Contacts", "", "| Role | Who | When |", "| --- | --- | --- |"]
    parts += [f"| {rng.choice(words)} | {rng.choice(words)} | {sentence(4)} |" for _ in range(6)]
    parts += ["", "## Commands", "", "```powershell"]
    parts += [f"Get-{rng.choice(words).capitalize()} -Name {rng.choice(words)}" for _ in range(6)]
    parts += ["```", "", "## Notes", ""]
    parts += [" ".join(sentence() for _ in range(6)) for _ in range(4)]
    return "\n".join(parts)


def approve_everything(author, reviewer) -> int:
    """Give every procedure one approved revision (bench set-up, outside the workflow)."""
    from django.utils import timezone

    from procedures.models import Procedure, Revision

    now = timezone.now()
    count = 0
    for procedure in Procedure.objects.filter(current_revision__isnull=True):
        revision = Revision(
            procedure=procedure,
            number=1,
            body=body_for(procedure.title, procedure.pk),
            summary="Bench text",
            author=author,
            reviewer=reviewer,
            status=Revision.Status.APPROVED,
            submitted_at=now,
            reviewed_at=now,
        )
        revision.save()
        procedure.current_revision = revision
        procedure.save(update_fields=["current_revision"])
        count += 1
    return count


def require_acknowledgements(people, approver) -> int:
    """Issue 14: every section asks Technicians (everyone simulated) to acknowledge its
    procedures within 14 days, and each person has acknowledged every other procedure, so the
    pages the bench reads are per-person (the button or "you acknowledged"). Return how many
    acknowledgements there are."""
    from django.contrib.auth.models import Group

    from compliance.models import Acknowledgement, AcknowledgementRequirement, GroupMembershipEvent
    from procedures.models import Procedure, Section

    technicians, _ = Group.objects.get_or_create(name="Technicians")
    for person in people:
        person.groups.add(technicians)  # records the join (compliance's safety net)
    for section in Section.objects.exclude(acknowledgement_requirement__isnull=False):
        rule = AcknowledgementRequirement.objects.create(
            section=section, created_by=approver, due_days=14
        )
        rule.groups.add(technicians)
    procedures = list(Procedure.objects.published().order_by("pk"))
    Acknowledgement.objects.bulk_create(
        [
            Acknowledgement(person=person, procedure=p, revision_id=p.current_revision_id)
            for n, person in enumerate(people)
            for p in procedures[n % 2 :: 2]
        ],
        ignore_conflicts=True,
    )
    assert GroupMembershipEvent.objects.filter(group=technicians).count() >= len(people)
    return Acknowledgement.objects.count()


def session_cookie(user) -> str:
    """Log `user` in without a password round-trip and return the session key."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--queries", type=int, default=100, help="Search queries to draw.")
    args = parser.parse_args(argv)

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.urls import reverse

    from procedures.models import Procedure, Section, Volume

    call_command("migrate", verbosity=0, interactive=False)
    if not Volume.objects.exists():
        call_command("loaddata", str(settings.BASE_DIR / "fixtures" / "manual.json"), verbosity=0)
    User = get_user_model()
    editors_group, _ = Group.objects.get_or_create(name="Editors")
    approvers_group, _ = Group.objects.get_or_create(name="Approvers")
    approver, _ = User.objects.get_or_create(
        username="bench-approver", defaults={"first_name": "Bench", "last_name": "Approver"}
    )
    approver.groups.add(approvers_group)
    readers, editors = [], []
    for n in range(args.readers):
        readers.append(User.objects.get_or_create(username=f"bench-reader-{n}")[0])
    for n in range(args.editors):
        editor = User.objects.get_or_create(username=f"bench-editor-{n}")[0]
        editor.groups.add(editors_group)
        editors.append(editor)
    approved = approve_everything(author=editors[0] if editors else approver, reviewer=approver)
    acknowledged = require_acknowledgements([*readers, *editors], approver)
    from devtools.management.commands.bench_search import make_queries

    data = {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "readers": [session_cookie(user) for user in readers],
        "editors": [session_cookie(user) for user in editors],
        "approvers": [session_cookie(approver)],
        "contents": "/",
        "volumes": [volume.get_absolute_url() for volume in Volume.objects.all()],
        "sections": [s.get_absolute_url() for s in Section.objects.select_related("volume")],
        "procedures": [p.get_absolute_url() for p in Procedure.objects.with_place()],
        "search_url": reverse("procedures:search"),
        "search_queries": make_queries(args.queries, seed=1),
        # The editors write new revisions of these: every procedure, shared out among them.
        "edit_urls": [p.get_absolute_url() for p in Procedure.objects.with_place()],
        "edit_body": body_for("Bench edit", 0),
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
    }
    with open(args.out, "w") as fh:
        json.dump(data, fh, indent=1)
    print(
        f"bench data: {len(data['procedures'])} procedures ({approved} newly approved), "
        f"{len(readers)} readers, {len(editors)} editors, {len(data['search_queries'])} queries, "
        f"{acknowledged} read acknowledgements"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
