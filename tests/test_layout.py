"""The layout the house style asks for, kept by tests: permission rules only in the policy,
thin views, migrations that never change with the live code.

(import-linter's contracts in pyproject.toml keep the layers pointing one way; `make lint`.)
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "procedures" / "workflow" / "policy.py"
# The apps built on procedures/ that the rules below read, each with its own policy module
# (built on procedures.workflow.policy), the only other place a permission may be checked.
APPS = ("procedures", "attachments", "checklists", "transfer", "compliance", "people")
POLICIES = {POLICY, *(ROOT / app / "policy.py" for app in APPS[1:])}
# Ways of deciding who may do what without asking the policy.
RULE = re.compile(
    r"has_perm\(|\.is_superuser|\.is_staff|author_id\s*==|==\s*(request\.)?user\.pk"
    r"|(request\.)?user\.pk\s*==|\bperms\."
)
# Django's own permission plumbing, not rules: the admin's registrations (Django asks them
# itself), the permission cache backend, migrations, settings.
NOT_RULES = {"admin.py", "auth.py", "settings.py"}
VIEW_LINES = 30


def _sources(*patterns):
    for folder in (*APPS, "templates", "msp_sop"):
        for pattern in patterns:
            for path in sorted((ROOT / folder).rglob(pattern)):
                if "migrations" not in path.parts and path not in POLICIES:
                    yield path


def test_no_permission_rule_outside_the_policy():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _sources("*.py", "*.html")
        if path.name not in NOT_RULES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if RULE.search(line)
    ]
    assert found == []


def test_the_rule_finder_finds_a_rule():
    # So that the test above cannot pass by matching nothing.
    assert RULE.search("if revision.author_id == request.user.pk:")
    assert RULE.search("{% if perms.procedures.add_revision %}")
    assert RULE.search("user.is_superuser or user.has_perm('x')")
    assert RULE.search(POLICY.read_text())


def _code_lines(node, source: list[str]) -> int:
    """Lines of code of a class or function: no docstrings, comments or blank lines."""
    docstrings = {
        line
        for inner in ast.walk(node)
        if isinstance(inner, ast.ClassDef | ast.FunctionDef)
        and inner.body
        and isinstance(inner.body[0], ast.Expr)
        and isinstance(inner.body[0].value, ast.Constant)
        for line in range(inner.body[0].lineno, inner.body[0].end_lineno + 1)
    }
    return sum(
        1
        for number in range(node.lineno, node.end_lineno + 1)
        if number not in docstrings
        and source[number - 1].strip()
        and not source[number - 1].strip().startswith("#")
    )


VIEW_MODULES = [
    *sorted(
        set((ROOT / "procedures" / "views").glob("*.py"))
        - {ROOT / "procedures" / "views" / "__init__.py"}
    ),
    *(
        ROOT / app / "views.py"
        for app in ("attachments", "checklists", "transfer", "compliance", "people")
    ),
    ROOT / "people" / "directory.py",
]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_stay_short(path):
    text = path.read_text()
    source = text.splitlines()
    sizes = {
        node.name: _code_lines(node, source)
        for node in ast.parse(text).body
        if isinstance(node, ast.ClassDef | ast.FunctionDef)
    }
    assert sizes  # the module was read
    long = {name: size for name, size in sizes.items() if size > VIEW_LINES}
    assert long == {}


@pytest.mark.parametrize("app", ["procedures", "attachments", "checklists", "compliance", "people"])
def test_migrations_import_no_live_code(app):
    for path in sorted((ROOT / app / "migrations").glob("0*.py")):
        tree = ast.parse(path.read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        live = (*APPS, "devtools")
        assert not {name for name in imported if name.startswith(live)}, path.name


@pytest.mark.parametrize("path", sorted((ROOT / "static").rglob("*.css")), ids=lambda p: p.name)
def test_stylesheets_close_every_block(path):
    # A lost "}" (a merge that took one side's closing brace) silently swallows every rule
    # after it into an @media print block.
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
