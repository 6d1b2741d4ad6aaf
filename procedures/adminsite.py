"""The admin site: Django's, with pages for every model that take a query string they cannot
use as Django takes one it cannot parse, instead of answering 500.

The admin passes any lookup on a model's own fields from the query string to the query
(`?number__gt=`, `?status__regex=`), and its date hierarchy builds dates from `?created_at__year=`.
Django turns the errors of building that query into its "invalid filter" redirect, but not
those of running it, nor a year past 9999. And its autocomplete widget looked up whatever
value it was given (an add form's initial `?section=1,2`, a form sent back) as a key, and
failed on one that cannot be. INSTALLED_APPS names SiteAdminConfig instead of
django.contrib.admin, so every model registered, Django's and django-axes' included, and their
inlines get the FORGIVING mixins.
"""

import functools
from contextlib import nullcontext

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, models, router, transaction

# What a lookup value the database cannot hold raises once the query runs: ValueError (a
# date part out of range; a NUL on PostgreSQL), OverflowError (a number past 64 bits, a year
# past 9999), IndexError and TypeError (a range without two bounds), DatabaseError (an invalid
# regular expression, a range with more than two bounds on SQLite).
BAD_LOOKUP_ERRORS = (DatabaseError, IndexError, OverflowError, TypeError, ValueError)


class ForgivingChangeListMixin:
    """Make the changelist answer a query string it cannot run with the admin's ?e=1 redirect."""

    def get_changelist_instance(self, request):
        if not request.GET.keys() - {ERROR_FLAG}:
            # Nothing asked for: whatever fails is the database's fault, not the request's.
            return super().get_changelist_instance(request)
        using = router.db_for_read(self.model)
        # In a transaction (ATOMIC_REQUESTS, a test), a failed query on PostgreSQL spoils it for
        # every later one: a savepoint confines it. Not outside one, where on SQLite it would
        # take the write lock (BEGIN IMMEDIATE) to read a list.
        if transaction.get_connection(using).in_atomic_block:
            confined = transaction.atomic(using=using)
        else:
            confined = nullcontext()
        try:
            with confined:
                changelist = super().get_changelist_instance(request)
                # Fetch the page's rows here, where a failure can still be caught: the view
                # reads them next anyway (the query is not run twice).
                len(changelist.result_list)
        except BAD_LOOKUP_ERRORS as exc:
            raise IncorrectLookupParameters(exc) from exc
        return changelist


class ReadableKeysMixin:
    """An autocomplete widget that leaves out the values that cannot be a key before it looks
    them up (Django's filtered by them all and failed with ValueError on one like "1,2")."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(getattr(remote, "field_name", None) or "pk")
        return super().optgroups(name, [v for v in value if _is_key(key, v)], attr)


def _is_key(field, value) -> bool:
    try:
        field.to_python(value)
    except ValidationError:
        return False
    return True


class ForgivingAutocompleteSelect(ReadableKeysMixin, AutocompleteSelect):
    pass


class ForgivingAutocompleteSelectMultiple(ReadableKeysMixin, AutocompleteSelectMultiple):
    pass


class ForgivingAutocompleteMixin:
    """Give autocomplete_fields the widgets above: an add form's initial value from the query
    string (?section=1,2), or a form sent back with a wrong one, is shown as no choice."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ForgivingAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ForgivingAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        return [with_mixins(inline, (ForgivingAutocompleteMixin,)) for inline in inlines]


class ForgivingInitialMixin:
    """An add form's initial date or time from the query string (`?created_at=x`) that the
    field cannot read is left out: Django's date and time widgets fail on the string."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.DateField | models.TimeField):  # DateTimeField too
                try:
                    initial[name] = field.to_python(value)
                except (ValidationError, TypeError, ValueError, OverflowError):
                    del initial[name]
        return initial


class ForgivingToFieldMixin:
    """`?_to_field=` naming a reverse relation (`?_to_field=attachment_links`) is refused as
    any field that may not be referenced is (400): Django's check asked the relation for
    `primary_key`, which it lacks, and failed with AttributeError (500)."""

    def to_field_allowed(self, request, to_field):
        try:
            field = self.opts.get_field(to_field)
        except FieldDoesNotExist:
            return False
        return getattr(field, "concrete", False) and super().to_field_allowed(request, to_field)


FORGIVING = (
    ForgivingChangeListMixin, ForgivingAutocompleteMixin, ForgivingInitialMixin,
    ForgivingToFieldMixin,
)  # fmt: skip


@functools.cache
def with_mixins(admin_class, mixins):
    """Return admin_class with whichever of mixins it lacks put before it."""
    missing = tuple(mixin for mixin in mixins if not issubclass(admin_class, mixin))
    if not missing:
        return admin_class
    return type(
        admin_class.__name__,
        (*missing, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


class SiteAdmin(admin.AdminSite):
    """Django's admin site; every ModelAdmin registered with it gets the FORGIVING mixins."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = with_mixins(admin_class or admin.ModelAdmin, FORGIVING)
        super().register(model_or_iterable, admin_class, **options)


class SiteAdminConfig(AdminConfig):
    """django.contrib.admin, on SiteAdmin."""

    default_site = "procedures.adminsite.SiteAdmin"
