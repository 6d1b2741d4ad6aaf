"""factory_boy factories for the manual's objects."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from procedures.linking import render_body
from procedures.models import Procedure, Revision, Section, Volume


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("correct-horse-battery-staple")


class VolumeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volume
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Volume title {n}")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    volume = factory.SubFactory(VolumeFactory)
    numeral = "I"
    title = factory.Sequence(lambda n: f"Section title {n}")
    position = 1


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure

    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"Procedure {n}")
    slug = factory.Sequence(lambda n: f"procedure-{n}")
    position = factory.Sequence(lambda n: n + 1)


class RevisionFactory(factory.django.DjangoModelFactory):
    """A draft revision; use `approved_revision()` for one readers see."""

    class Meta:
        model = Revision

    procedure = factory.SubFactory(ProcedureFactory)
    number = factory.LazyAttribute(
        lambda r: (
            (
                r.procedure.revisions.order_by("-number").values_list("number", flat=True).first()
                or 0
            )
            + 1
        )
    )
    body = factory.Sequence(lambda n: f"# Step {n}\n\nDo the thing number {n}.")
    summary = "Initial text"
    author = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the workflow's transitions do wherever they write a body.
        revision = model_class(*args, **kwargs)
        render_body(revision)
        revision.save(force_insert=True)
        return revision


def approved_revision(procedure=None, *, body="# Approved\n\nThe approved text.", **kwargs):
    """Create an approved revision and make it the procedure's current one (test set-up only;
    the site itself approves through procedures.workflow)."""
    procedure = procedure or ProcedureFactory()
    if procedure.current_revision_id:
        Revision.objects.filter(pk=procedure.current_revision_id).update(
            status=Revision.Status.SUPERSEDED
        )
    revision = RevisionFactory(
        procedure=procedure,
        body=body,
        status=Revision.Status.APPROVED,
        reviewer=kwargs.pop("reviewer", None) or UserFactory(),
        reviewed_at=timezone.now(),
        submitted_at=timezone.now(),
        **kwargs,
    )
    procedure.current_revision = revision
    procedure.save(update_fields=["current_revision"])
    return revision
