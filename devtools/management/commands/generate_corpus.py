"""Fill the database with a synthetic manual, for benchmarks and load tests.

`generate_corpus --procedures N --revisions R --seed S` adds new volumes (numbered after any
that exist) holding N procedures with R revisions each. Text is drawn from a fixed vocabulary
with Zipf-like word frequencies (`devtools.corpus_words`), so the same seed
always gives the same manual. Each revision edits the one before it. Most procedures have an
approved revision (older ones superseded, newer ones rejected, in review or in draft); some
are not yet written. About one procedure in five links to another with `[[3/ii/slug]]`.

For speed it writes with bulk_create, which skips `Revision.save()`: the HTML is produced here,
block by block alongside the Markdown, exactly as `render_markdown` would produce it (a test
holds the two together). Then it records the wiki links and rebuilds the search index.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils.text import slugify

from devtools.corpus_words import (
    COMMON_WORDS,
    SHARED_TITLES,
    SPECIALISED_WORDS,
    VERBS,
    vocabulary,
)
from procedures import search
from procedures.models import Procedure, ProcedureLink, Revision, Section, Volume
from procedures.workflow import effects

NUMERALS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
HEADERLINK = (
    '<a class="headerlink" href="#{id}" title="Link to this heading" '
    'rel="noopener noreferrer">#</a>'
)
CHUNK = 200  # procedures written per round of bulk inserts
Status = Revision.Status


@dataclass(frozen=True)
class Block:
    """One Markdown block and the HTML render_markdown makes of it."""

    md: str
    html: str


@dataclass
class Document:
    intro: list[Block]
    sections: list[tuple[str, list[Block]]] = field(default_factory=list)
    # Paths of the procedures its intro links to; edits leave the intro alone.
    links: tuple[str, ...] = ()

    def copy(self) -> Document:
        return Document(list(self.intro), [(h, list(b)) for h, b in self.sections], self.links)

    def markdown(self) -> str:
        parts = [b.md for b in self.intro]
        for heading, blocks in self.sections:
            parts.append(f"## {heading}")
            parts.extend(b.md for b in blocks)
        return "\n\n".join(parts) + "\n"

    def html(self) -> str:
        parts = [b.html for b in self.intro]
        for heading, blocks in self.sections:
            hid = heading_id(heading)
            parts.append(f'<h2 id="{hid}">{heading}{HEADERLINK.format(id=hid)}</h2>')
            parts.extend(b.html for b in blocks)
        return "\n".join(parts)

    def toc_html(self) -> str:
        if not self.sections:
            return ""
        items = "".join(
            f'<li><a href="#{heading_id(h)}" rel="noopener noreferrer">{h}</a></li>\n'
            for h, _ in self.sections
        )
        return f'<div class="toc">\n<ul>\n{items}</ul>\n</div>\n'


def heading_id(heading: str) -> str:
    """Return the id Markdown's toc extension gives a heading made of vocabulary words."""
    return re.sub(r"[-\s]+", "-", heading.lower())


@dataclass
class PlannedProcedure:
    section: Section
    title: str
    slug: str
    position: int
    path: str = ""
    url: str = ""


class Writer:
    """Reproducible procedure text: sentences, lists and headings from the vocabulary."""

    def __init__(self, rng: random.Random, targets: list[PlannedProcedure]):
        self.rng = rng
        self.linked: list[str] = []
        self.words = vocabulary()
        # Zipf: the word of rank r is drawn with weight 1 / r^1.05.
        self.cum_weights = list(
            accumulate(1 / (rank**1.05) for rank in range(1, len(self.words) + 1))
        )
        self.content = list(dict.fromkeys(COMMON_WORDS + SPECIALISED_WORDS))
        self.targets = targets

    def draw(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=count)

    def sentence(self, low: int = 6, high: int = 16, *, link: bool = False) -> Block:
        words = self.draw(self.rng.randint(low, high))
        md, out = [], []
        for index, word in enumerate(words):
            if index == 0:
                word = word[0].upper() + word[1:]
                md.append(word)
                out.append(word)
                continue
            roll = self.rng.random()
            if roll < 0.02:
                md.append(f"**{word}**")
                out.append(f"<strong>{word}</strong>")
            elif roll < 0.04:
                md.append(f"`{word}`")
                out.append(f"<code>{word}</code>")
            else:
                md.append(word)
                out.append(word)
        if link and self.targets:
            target = self.rng.choice(self.targets)
            self.linked.append(target.path)
            md.append(f"(see [[{target.path}]])")
            out.append(
                f'(see <a class="wikilink" href="{target.url}" rel="noopener noreferrer">'
                f"{html.escape(target.title)}</a>)"
            )
        return Block(" ".join(md) + ".", " ".join(out) + ".")

    def paragraph(self, *, link: bool = False) -> Block:
        count = self.rng.randint(2, 5)
        sentences = [self.sentence(link=link and i == count - 1) for i in range(count)]
        return Block(
            " ".join(s.md for s in sentences),
            "<p>" + " ".join(s.html for s in sentences) + "</p>",
        )

    def items(self, ordered: bool) -> Block:
        """A lead-in sentence and a list. The lead-in keeps two lists from ever touching,
        which Markdown would merge into one."""
        lead = self.sentence(4, 10)
        sentences = [self.sentence(4, 12) for _ in range(self.rng.randint(3, 7))]
        marker = (lambda i: f"{i}. ") if ordered else (lambda i: "- ")
        tag = "ol" if ordered else "ul"
        return Block(
            lead.md + "\n\n" + "\n".join(marker(i + 1) + s.md for i, s in enumerate(sentences)),
            f"<p>{lead.html}</p>\n<{tag}>\n"
            + "".join(f"<li>{s.html}</li>\n" for s in sentences)
            + f"</{tag}>",
        )

    def block(self, *, link: bool = False) -> Block:
        roll = self.rng.random()
        if roll < 0.55 or link:
            return self.paragraph(link=link)
        return self.items(ordered=roll < 0.8)

    def heading(self, taken: set[str]) -> str:
        while True:
            words = self.rng.sample(self.content, self.rng.randint(2, 4))
            heading = " ".join(words)
            heading = heading[0].upper() + heading[1:]
            if heading_id(heading) not in taken:
                return heading

    def document(self, *, link: bool) -> Document:
        self.linked = []
        doc = Document(intro=[self.paragraph(link=link)])
        doc.links = tuple(self.linked)
        for _ in range(self.rng.randint(3, 6)):
            self.add_section(doc)
        return doc

    def add_section(self, doc: Document) -> None:
        heading = self.heading({heading_id(h) for h, _ in doc.sections})
        doc.sections.append((heading, [self.block() for _ in range(self.rng.randint(1, 3))]))

    def edit(self, doc: Document) -> tuple[Document, str]:
        """Return the next revision of a document and a summary of the change."""
        doc = doc.copy()
        roll = self.rng.random()
        index = self.rng.randrange(len(doc.sections))
        heading, blocks = doc.sections[index]
        if roll < 0.15:
            self.add_section(doc)
            return doc, f"Added “{doc.sections[-1][0]}”"
        if roll < 0.25 and len(blocks) > 1:
            blocks.pop(self.rng.randrange(len(blocks)))
            return doc, f"Shortened “{heading}”"
        if roll < 0.55:
            blocks.insert(self.rng.randrange(len(blocks) + 1), self.block())
            return doc, f"Expanded “{heading}”"
        blocks[self.rng.randrange(len(blocks))] = self.block()
        return doc, f"Reworded “{heading}”"

    def title(self) -> str:
        verb = self.rng.choice(VERBS)
        words = self.rng.sample(self.content, self.rng.randint(1, 3))
        if self.rng.random() < 0.3:
            words += ["for", self.rng.choice(self.content)]
        return " ".join([verb, *words])


class Command(BaseCommand):
    help = "Add a reproducible synthetic manual: N procedures with R revisions each."

    def add_arguments(self, parser):
        parser.add_argument("--procedures", type=int, default=1000, help="How many (N).")
        parser.add_argument("--revisions", type=int, default=5, help="Revisions each (R).")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same manual.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be added.")

    def handle(self, *args, procedures, revisions, seed, dry_run, **options):
        if not 1 <= procedures <= 1_000_000 or not 1 <= revisions <= 1000:
            raise CommandError("--procedures must be 1..1000000 and --revisions 1..1000.")
        self.verbosity = options["verbosity"]
        sections = max(1, min(40, procedures // 25))
        volumes = min(4, sections)
        if dry_run:
            self.stdout.write(
                f"Would add {volumes} volumes, {sections} sections, {procedures} procedures "
                f"with {revisions} revisions each (seed {seed})."
            )
            return
        with transaction.atomic():
            self.generate(procedures, revisions, seed, volumes, sections)
        if self.verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {procedures} procedures with {revisions} revisions each "
                    f"in {sections} sections of {volumes} volumes (seed {seed})."
                )
            )

    def generate(self, n_procedures, n_revisions, seed, n_volumes, n_sections):
        rng = random.Random(seed)
        users = self.users()
        plan = self.plan_contents(rng, n_procedures, n_volumes, n_sections)
        writer = Writer(rng, plan)
        start = datetime(2024, 1, 1, tzinfo=UTC)
        links: list[tuple[int, str]] = []  # (source procedure pk, target path)
        for offset in range(0, len(plan), CHUNK):
            chunk = plan[offset : offset + CHUNK]
            created = Procedure.objects.bulk_create(
                Procedure(
                    section=p.section,
                    title=p.title,
                    slug=p.slug,
                    position=p.position,
                    owner=rng.choice(users) if rng.random() < 0.8 else None,
                    created_at=start,
                    updated_at=start,
                )
                for p in chunk
            )
            rows, based_on = [], []
            for procedure in created:
                linking = rng.random() < 0.2
                planned, approved_links = self.revisions(
                    writer, rng, procedure, n_revisions, users, start, linking
                )
                first = len(rows)
                rows.extend(r for r, _ in planned)
                based_on.extend(None if b is None else first + b for _, b in planned)
                links.extend((procedure.pk, path) for path in approved_links)
            Revision.objects.bulk_create(rows, batch_size=500)
            for revision, based in zip(rows, based_on, strict=True):
                revision.based_on_id = rows[based].pk if based is not None else None
            Revision.objects.bulk_update(
                [r for r in rows if r.based_on_id], ["based_on"], batch_size=500
            )
            if self.verbosity >= 2:
                self.stdout.write(f"  {offset + len(chunk)} procedures written")
        new = Procedure.objects.filter(section__in={p.section for p in plan})
        new.update(
            current_revision=Subquery(
                Revision.objects.filter(procedure=OuterRef("pk"), status=Status.APPROVED).values(
                    "pk"
                )[:1]
            )
        )
        by_path = {p.path: p for p in new.with_place()}
        ProcedureLink.objects.bulk_create(
            {
                (source, path): ProcedureLink(
                    source_id=source, target_key=path, target_id=by_path[path].pk
                )
                for source, path in links
            }.values(),
            batch_size=500,
        )
        # Written in bulk, behind the workflow: the links are already right (made above),
        # the index and readers' pages must follow.
        search.rebuild_index()
        effects.manual_changed(work=True)

    def users(self):
        User = get_user_model()
        users = []
        for n in range(1, 21):
            user, created = User.objects.get_or_create(username=f"corpus-user-{n:02}")
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            users.append(user)
        return users

    def plan_contents(self, rng, n_procedures, n_volumes, n_sections) -> list[PlannedProcedure]:
        first = (Volume.objects.aggregate(last=Max("number"))["last"] or 0) + 1
        volumes = Volume.objects.bulk_create(
            Volume(number=first + i, title=f"Generated volume {first + i}")
            for i in range(n_volumes)
        )
        sections = Section.objects.bulk_create(
            Section(
                volume=volumes[i % n_volumes],
                numeral=NUMERALS[i // n_volumes],
                title=f"Generated section {i + 1}",
                position=i // n_volumes + 1,
            )
            for i in range(n_sections)
        )
        writer = Writer(rng, [])
        plan: list[PlannedProcedure] = []
        for index in range(n_procedures):
            section = sections[index % n_sections]
            position = index // n_sections + 1
            if position == 1 and rng.random() < 0.4:
                title = rng.choice(SHARED_TITLES)  # the same title in several sections
            else:
                title = writer.title()
            plan.append(PlannedProcedure(section=section, title=title, slug="", position=position))
        taken: dict[int, set[str]] = {}
        titles: dict[int, set[str]] = {}
        for p in plan:
            used, base_title, n = titles.setdefault(p.section.pk, set()), p.title, 2
            while p.title.casefold() in used:  # titles are unique within a section
                p.title, n = f"{base_title} {n}", n + 1
            used.add(p.title.casefold())
            base = slugify(p.title) or "procedure"
            slugs = taken.setdefault(p.section.pk, set())
            slug, n = base, 2
            while slug in slugs:
                slug, n = f"{base}-{n}", n + 1
            slugs.add(slug)
            p.slug = slug
            numeral = p.section.numeral
            p.path = f"{p.section.volume.number}/{numeral.lower()}/{slug}"
            p.url = reverse(
                "procedures:procedure",
                kwargs={"volume": p.section.volume.number, "section": numeral, "slug": slug},
            )
        return plan

    def revisions(self, writer, rng, procedure, count, users, start, linking):
        """Plan a procedure's revisions: [(Revision, index of the one it is based on)]."""
        written = rng.random() >= 0.12
        approved_at = count - min(count - 1, rng.choice([0, 0, 0, 1, 1, 2])) if written else 0
        doc = writer.document(link=linking)
        summary = "First version"
        planned = []
        approved_links: tuple[str, ...] = ()
        when = start + timedelta(minutes=rng.randrange(60 * 24 * 365))
        for number in range(1, count + 1):
            if number > 1:
                doc, summary = writer.edit(doc)
            when += timedelta(minutes=rng.randrange(60, 60 * 24 * 30))
            author, reviewer = rng.sample(users, 2)
            if number < approved_at:
                status = Status.SUPERSEDED
            elif number == approved_at:
                status = Status.APPROVED
                approved_links = doc.links
            elif number < count:
                status = Status.REJECTED
            else:
                status = Status.IN_REVIEW if rng.random() < 0.7 else Status.DRAFT
            decided = status in Revision.DECIDED_STATUSES
            revision = Revision(
                procedure=procedure,
                number=number,
                body=doc.markdown(),
                body_html=doc.html(),
                toc_html=doc.toc_html(),
                summary=summary,
                author=author,
                status=status,
                created_at=when,
                updated_at=when,
                submitted_at=when if status != Status.DRAFT else None,
                reviewer=reviewer if decided else None,
                reviewed_at=when + timedelta(hours=2) if decided else None,
                review_comment="Needs another pass." if status == Status.REJECTED else "",
            )
            based = min(number - 1, approved_at) if approved_at and number > 1 else None
            planned.append((revision, None if based is None else based - 1))
        return planned, approved_links
