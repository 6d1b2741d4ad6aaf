"""A safety net for writes that do not go through the workflow: Django's admin and `loaddata`.

The transitions call `workflow.effects` themselves; these receivers make sure that a volume,
section or procedure edited in the admin, a fixture loaded, a user or a role changed there,
still gives readers' pages and permission sets new versions. A bulk `QuerySet.update()` sends
no signal: code that writes in bulk calls `effects.manual_rewritten()` itself.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connections
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from .models import Procedure, Revision, Section, Volume
from .workflow import effects


def _manual_changed(**kwargs) -> None:
    effects.manual_changed()


def _revision_loaded(raw=False, **kwargs) -> None:
    # Only loaddata (raw): every other write of a revision is a transition, which calls
    # its effects itself.
    if raw:
        effects.manual_changed(work=True)


def _user_changed(created=False, update_fields=None, **kwargs) -> None:
    # Reading pages name owners and approvers, and a user's save may change what they may
    # do; a new user is neither yet, and logging in saves only last_login.
    if not created and (update_fields is None or set(update_fields) - {"last_login"}):
        effects.people_changed()


def _user_deleted(**kwargs) -> None:
    effects.people_changed()


def _permissions_changed(**kwargs) -> None:
    effects.permissions_changed()


def _migrated(sender, using="default", **kwargs) -> None:
    # SQLite drops a table's triggers when a migration rebuilds it (adding a column to
    # procedures_procedure does): put the search triggers back after every migrate, whatever
    # later migrations of any app do. Idempotent; PostgreSQL's triggers survive on their own.
    from . import search

    connection = connections[using]
    if connection.vendor != "sqlite" or sender.name != "procedures":
        return
    tables = set(connection.introspection.table_names())
    if {"procedures_procedure", "procedures_search_fts"} <= tables:
        search.backend_for(connection).install_triggers(connection)


def connect() -> None:
    """Connect the receivers (from `ProceduresConfig.ready`)."""
    for model in (Volume, Section, Procedure):
        name = model.__name__
        post_save.connect(_manual_changed, sender=model, dispatch_uid=f"sop_saved_{name}")
        post_delete.connect(_manual_changed, sender=model, dispatch_uid=f"sop_gone_{name}")
    post_save.connect(_revision_loaded, sender=Revision, dispatch_uid="sop_revision_loaded")
    post_migrate.connect(_migrated, dispatch_uid="sop_search_triggers")
    User = get_user_model()
    post_save.connect(_user_changed, sender=User, dispatch_uid="sop_user_saved")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="sop_user_gone")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            _permissions_changed, sender=through, dispatch_uid=f"sop_roles_{through.__name__}"
        )
    for model in (Group, Permission):
        name = model.__name__
        post_save.connect(_permissions_changed, sender=model, dispatch_uid=f"sop_saved_{name}")
        post_delete.connect(_permissions_changed, sender=model, dispatch_uid=f"sop_gone_{name}")
