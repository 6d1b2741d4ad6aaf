import pytest
from django.core.management import call_command

from procedures.models import Procedure, Section, Volume

pytestmark = pytest.mark.django_db


def counts():
    return Volume.objects.count(), Section.objects.count(), Procedure.objects.count()


def test_fixture_holds_the_whole_table_of_contents(manual):
    assert counts() == (4, 12, 163)
    assert list(Volume.objects.values_list("title", flat=True)) == [
        "Front Office Mastery",
        "Employees and Internal Processes",
        "Running the Service Department",
        "Support and Service Delivery",
    ]
    # The printed heading says "Secion II"; the fixture corrects it.
    monthly = Section.objects.get(volume__number=4, numeral="II")
    assert monthly.title == "Service Focus: Monthly Maintenance"
    assert Procedure.objects.filter(title__in=["Intro Notes", "Intro Note"]).count() == 10
    assert Procedure.objects.get(title="End Matter").section.natural_key() == (4, "III")
    assert Procedure.objects.get(slug="the-tech-directory").title == "The !Tech Directory"
    assert Procedure.objects.get(
        section__volume__number=3, section__numeral="II", slug="final-friday-training"
    )
    assert Procedure.objects.filter(current_revision__isnull=False).count() == 0


def test_titles_are_verbatim_and_in_book_order(manual):
    section = Section.objects.get(volume__number=3, numeral="II")
    assert list(section.procedures.values_list("title", flat=True)) == [
        "Intro Notes",
        "Technician Daily Time Management -- includes daily work flow",
        "Time Tracking for Employees",
        "The Tech on Call for The Day - Managing Daily Workflow",
        "How to Maximize Billability of Technicians",
        "Email Rules and Etiquette for the Consultant",
        'Technician Supplies -- The "Scary Box"',
        "Final Friday Training",
    ]


def test_loading_twice_changes_nothing(manual):
    before = list(
        Procedure.objects.values_list("pk", "title", "slug", "position", "section_id", "created_at")
    )
    call_command("loaddata", "fixtures/manual.json", verbosity=0)
    assert counts() == (4, 12, 163)
    after = list(
        Procedure.objects.values_list("pk", "title", "slug", "position", "section_id", "created_at")
    )
    assert after == before
