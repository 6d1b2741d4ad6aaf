"""Cached permission sets (procedures/auth.py): no queries once known, and any change to a
user's roles made through Django takes effect on their next request."""

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures import workflow

pytestmark = pytest.mark.django_db
User = get_user_model()


def fresh(user):
    """The user as the next request loads it (Django caches permissions per instance)."""
    return User.objects.get(pk=user.pk)


def queries_for_can_edit(user) -> tuple[bool, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = workflow.can_edit(user)
    return answer, len(queries)


def test_a_known_permission_set_costs_no_query(editor):
    assert queries_for_can_edit(fresh(editor)) == (True, 2)  # read once, from the database
    assert queries_for_can_edit(fresh(editor)) == (True, 0)  # then from the cache


def test_taken_out_of_a_group_the_user_loses_its_permissions_at_once(editor):
    assert workflow.can_edit(fresh(editor))
    editor.groups.remove(Group.objects.get(name="Editors"))
    assert queries_for_can_edit(fresh(editor)) == (False, 2)


def test_put_in_a_group_the_user_gains_its_permissions_at_once(reader):
    assert not workflow.can_edit(fresh(reader))
    reader.groups.add(Group.objects.get(name="Editors"))
    assert workflow.can_edit(fresh(reader))


def test_a_group_losing_a_permission_loses_it_for_its_members(editor, approver):
    assert workflow.can_review(fresh(approver))
    Group.objects.get(name="Approvers").permissions.remove(
        Permission.objects.get(codename="approve_revision")
    )
    assert not workflow.can_review(fresh(approver))
    assert workflow.can_edit(fresh(editor))  # others keep theirs


def test_a_user_given_a_permission_directly_has_it_at_once(reader):
    assert not workflow.can_edit(fresh(reader))
    reader.user_permissions.add(Permission.objects.get(codename="add_revision"))
    assert workflow.can_edit(fresh(reader))


def test_logging_in_does_not_throw_the_cache_away(client, editor):
    assert workflow.can_edit(fresh(editor))
    client.force_login(editor)  # saves last_login
    assert queries_for_can_edit(fresh(editor)) == (True, 0)


def test_an_editor_removed_by_the_admin_is_refused_on_the_next_request(
    client, editor, superuser, procedure
):
    client.force_login(editor)
    start = reverse("procedures:start_draft", kwargs=procedure.url_kwargs())
    page = client.get(procedure.get_absolute_url())
    assert b">Edit</button>" in page.content

    admin = type(client)()
    admin.force_login(superuser)
    change = reverse("admin:auth_user_change", args=[editor.pk])
    form = admin.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "groups"}
    data.update(
        password=form.initial["password"],
        date_joined_0=editor.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=editor.date_joined.strftime("%H:%M:%S"),
        last_login_0="",
        last_login_1="",
        groups=[],
        user_permissions=[],
    )
    response = admin.post(change, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors

    page = client.get(procedure.get_absolute_url())
    assert b">Edit</button>" not in page.content
    assert client.post(start).status_code == HTTPStatus.FORBIDDEN
