import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from procedures.models import Procedure, Revision, Section, Volume
from tests.factories import (
    ProcedureFactory,
    RevisionFactory,
    SectionFactory,
    UserFactory,
    VolumeFactory,
    approved_revision,
)

pytestmark = pytest.mark.django_db


def test_duplicate_slug_in_one_section_is_refused():
    section = SectionFactory()
    ProcedureFactory(section=section, slug="intro-notes")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureFactory(section=section, slug="intro-notes")


def test_same_slug_in_two_sections_is_allowed():
    volume = VolumeFactory()
    first = SectionFactory(volume=volume, numeral="I", position=1)
    second = SectionFactory(volume=volume, numeral="II", position=2)
    ProcedureFactory(section=first, slug="intro-notes")
    ProcedureFactory(section=second, slug="intro-notes")
    assert Procedure.objects.filter(slug="intro-notes").count() == 2


def test_second_approved_revision_is_refused():
    revision = approved_revision()
    with pytest.raises(IntegrityError), transaction.atomic():
        RevisionFactory(
            procedure=revision.procedure,
            status=Revision.Status.APPROVED,
            reviewer=UserFactory(),
            reviewed_at=timezone.now(),
        )


def test_revision_numbers_are_unique_per_procedure():
    revision = RevisionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RevisionFactory(procedure=revision.procedure, number=revision.number, author=UserFactory())


def test_status_outside_the_choices_is_refused_by_the_database():
    revision = RevisionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.filter(pk=revision.pk).update(status="published")


def test_approved_revision_needs_a_reviewer_and_time():
    revision = RevisionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.filter(pk=revision.pk).update(status=Revision.Status.APPROVED)


def test_rejected_revision_needs_a_comment():
    revision = RevisionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.filter(pk=revision.pk).update(
            status=Revision.Status.REJECTED, reviewer=UserFactory(), reviewed_at=timezone.now()
        )


def test_one_open_draft_per_author_per_procedure():
    draft = RevisionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RevisionFactory(procedure=draft.procedure, author=draft.author)


def test_section_numeral_must_be_upper_case():
    with pytest.raises(IntegrityError), transaction.atomic():
        SectionFactory(numeral="ii")


def test_deleting_a_user_never_deletes_revisions():
    revision = approved_revision()
    author = revision.author
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        author.delete()
    assert Revision.objects.filter(pk=revision.pk).exists()


def test_deleting_an_owner_keeps_the_procedure():
    owner = UserFactory()
    procedure = ProcedureFactory(owner=owner)
    owner.delete()
    procedure.refresh_from_db()
    assert procedure.owner is None


def test_saving_a_revision_stores_sanitised_html():
    revision = RevisionFactory(body="# Title\n\n<script>alert(1)</script>Text")
    revision.refresh_from_db()
    assert '<h1 id="title">' in revision.body_html
    assert "<script" not in revision.body_html
    assert 'href="#title"' in revision.toc_html


def test_natural_keys_round_trip():
    procedure = ProcedureFactory(slug="final-friday-training")
    key = procedure.natural_key()
    assert key == (
        procedure.section.volume.number,
        procedure.section.numeral,
        "final-friday-training",
    )
    assert Procedure.objects.get_by_natural_key(*key) == procedure
    assert Section.objects.get_by_natural_key(*procedure.section.natural_key()) == procedure.section
    assert (
        Volume.objects.get_by_natural_key(*procedure.section.volume.natural_key())
        == procedure.section.volume
    )


def test_book_order_and_neighbours(manual):
    ordered = list(Procedure.objects.with_place().in_book_order())
    assert ordered[0].title == "Introduction to SOPs for Technical Consultants and MSPs"
    assert ordered[-1].title == "End Matter"
    # Crossing a section and a volume boundary.
    last_of_volume_one = ordered.index(
        Procedure.objects.get(title="Removing a Client from Managed Services")
    )
    moved_on = ordered[last_of_volume_one + 1]
    assert (moved_on.section.volume.number, moved_on.section.numeral, moved_on.title) == (
        2,
        "I",
        "Intro Notes",
    )
    middle = ordered[40]
    assert Procedure.objects.before(middle).last() == ordered[39]
    assert Procedure.objects.after(middle).first() == ordered[41]
    assert Procedure.objects.before(ordered[0]).last() is None
    assert Procedure.objects.after(ordered[-1]).first() is None
