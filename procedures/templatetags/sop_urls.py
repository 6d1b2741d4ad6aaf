"""URLs of a procedure's and a revision's pages, without spelling out their keywords."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def procedure_url(name: str, procedure) -> str:
    """{% procedure_url "procedures:history" procedure %}"""
    return reverse(name, kwargs=procedure.url_kwargs())


@register.simple_tag
def revision_url(name: str, revision) -> str:
    """{% revision_url "procedures:review" revision %}"""
    return reverse(name, kwargs=revision.url_kwargs())
