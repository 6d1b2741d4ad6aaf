"""Issue 17 with issue 14's records: dumpdata/loaddata with natural keys move acknowledgements
(carried ones included), acknowledgement requirements (their groups) and group membership
events from SQLite to PostgreSQL, as test_dumpdata_pg moves the manual."""

import os

import pytest
from django.core.management import call_command
from django.db import connection

from compliance.models import Acknowledgement, AcknowledgementRequirement, GroupMembershipEvent
from tests.compliance.ack_world import build_world
from tests.transfer.test_dumpdata_pg import EXCLUDE, PG, _manage, _postgres

NAME = f"msp_sop_h14_ack_load_{os.getpid()}"  # per test process: two suites at once

psycopg2 = pytest.importorskip("psycopg2")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="moves FROM SQLite"),
]

ACKNOWLEDGEMENTS = (
    "SELECT u.username, p.title, r.number, a.acknowledged_at, cr.number "
    "FROM compliance_acknowledgement a JOIN auth_user u ON u.id = a.person_id "
    "JOIN procedures_procedure p ON p.id = a.procedure_id "
    "JOIN procedures_revision r ON r.id = a.revision_id "
    "LEFT JOIN compliance_acknowledgement c ON c.id = a.carried_from_id "
    "LEFT JOIN procedures_revision cr ON cr.id = c.revision_id ORDER BY 1, 3, 2"
)
REQUIREMENTS = (
    "SELECT coalesce(p.title, s.title), q.due_days, string_agg(g.name, ',' ORDER BY g.name) "
    "FROM compliance_acknowledgementrequirement q "
    "LEFT JOIN procedures_procedure p ON p.id = q.procedure_id "
    "LEFT JOIN procedures_section s ON s.id = q.section_id "
    "LEFT JOIN compliance_acknowledgementrequirement_groups qg "
    "ON qg.acknowledgementrequirement_id = q.id LEFT JOIN auth_group g ON g.id = qg.group_id "
    "GROUP BY 1, 2 ORDER BY 1"
)
MEMBERSHIPS = (
    "SELECT u.username, g.name, e.action, e.at FROM compliance_groupmembershipevent e "
    "JOIN auth_user u ON u.id = e.person_id JOIN auth_group g ON g.id = e.group_id "
    "ORDER BY 1, 4"
)


def _expected():
    acknowledgements = sorted(
        (
            a.person.username, a.procedure.title, a.revision.number, a.acknowledged_at,
            a.carried_from.revision.number if a.carried_from else None,
        )
        for a in Acknowledgement.objects.select_related("carried_from__revision")
    )  # fmt: skip
    requirements = sorted(
        (
            (r.procedure or r.section).title, r.due_days,
            ",".join(sorted(g.name for g in r.groups.all())) or None,
        )
        for r in AcknowledgementRequirement.objects.all()
    )  # fmt: skip
    memberships = sorted(
        (e.person.username, e.group.name, e.action, e.at)
        for e in GroupMembershipEvent.objects.select_related("person", "group")
    )
    return acknowledgements, requirements, memberships


def test_acknowledgements_requirements_and_memberships_load_into_postgresql(tmp_path):
    server = _postgres()
    if server is None:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {NAME}")
        cursor.execute(f"CREATE DATABASE {NAME}")
    build_world()
    dump = tmp_path / "site.json"
    call_command("dumpdata", "--natural-foreign", "--natural-primary", "--indent", "1",
                 *[f"--exclude={e}" for e in EXCLUDE], "--output", str(dump))  # fmt: skip
    env = {"DATABASE_URL": PG + NAME, "SOP_VAR_DIR": str(tmp_path / "var"), "SOP_DEVTOOLS": "0"}
    try:
        _manage("migrate", env={**os.environ, **env})
        _manage("loaddata", str(dump), env={**os.environ, **env})
        loaded = psycopg2.connect(PG + NAME)
        with loaded, loaded.cursor() as cursor:
            found = []
            for query in (ACKNOWLEDGEMENTS, REQUIREMENTS, MEMBERSHIPS):
                cursor.execute(query)
                found.append(sorted(cursor.fetchall()))
        loaded.close()
    finally:
        with server.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        server.close()
    acknowledgements, requirements, memberships = _expected()
    assert found[0] == acknowledgements
    assert any(row[4] == 4 for row in found[0])  # the carried acknowledgement says from r4
    assert found[1] == requirements
    assert found[2] == memberships
    assert len(found[2]) == 5
