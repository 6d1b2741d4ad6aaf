"""The admin site: Django's, with a changelist for every model that takes a filter the
database cannot run as Django takes one it cannot parse, back to the list (?e=1), not a 500.

The admin passes any lookup on a model's own fields from the query string to the query
(`?number__gt=`, `?status__regex=`), and its date hierarchy builds dates from `?created_at__year=`.
Django turns the errors of building that query into its "invalid filter" redirect, but not
those of running it, nor a year past 9999. INSTALLED_APPS names SiteAdminConfig instead of
django.contrib.admin, so every model registered, Django's and django-axes' included, gets it.
"""

from contextlib import nullcontext

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.db import DatabaseError, router, transaction

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
                # Builds the query and runs the counts: a bad value fails here if anywhere.
                return super().get_changelist_instance(request)
        except BAD_LOOKUP_ERRORS as exc:
            raise IncorrectLookupParameters(exc) from exc


class SiteAdmin(admin.AdminSite):
    """Django's admin site; every ModelAdmin registered with it gets ForgivingChangeListMixin."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ForgivingChangeListMixin):
            admin_class = type(
                admin_class.__name__,
                (ForgivingChangeListMixin, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)


class SiteAdminConfig(AdminConfig):
    """django.contrib.admin, on SiteAdmin."""

    default_site = "procedures.adminsite.SiteAdmin"
