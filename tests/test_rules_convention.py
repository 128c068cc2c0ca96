"""docs/architecture.md, "Permissions: one convention": outside portal/accounts (the role helpers),
a rules.py answers from Django permissions or from other rules, never from group names. Read from
the source: no rules.py calls or imports `has_role`, reaches the role names (`portal.accounts.roles`,
`Role.X`) or a user's groups, or writes a role's name as a string."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.accounts.roles import Role

ROOT = Path(__file__).resolve().parent.parent
ROLE_NAMES = {role.value for role in Role}


def rules_files() -> list[Path]:
    found = [p for package in ("portal", "analytics", "cms") for p in (ROOT / package).rglob("rules.py")]
    return sorted(p for p in found if "accounts" not in p.relative_to(ROOT).parts[:2]
                  and "tests" not in p.parts)


def role_tests_in(source: str, filename: str = "rules.py") -> list[str]:
    """What in this source tests roles instead of permissions, one line each ("line 12: ...")."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "portal.accounts.roles":
                found.append(f"line {line}: imports the role names")
            found += [f"line {line}: imports {alias.name}" for alias in node.names
                      if alias.name in {"has_role", "roles_of", "effective_roles", "Role"}]
        elif isinstance(node, ast.Import):
            found += [f"line {line}: imports {alias.name}" for alias in node.names
                      if alias.name == "portal.accounts.roles"]
        elif isinstance(node, ast.Name) and node.id in {"has_role", "roles_of", "effective_roles", "Role"}:
            found.append(f"line {line}: uses {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in {"has_role", "groups", "roles_of"}:
            found.append(f"line {line}: uses .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ROLE_NAMES:
            found.append(f"line {line}: names the group {node.value!r}")
    return sorted(set(found))


def test_every_app_with_rules_is_checked():
    apps = {p.parent.name for p in rules_files()}
    assert {"booking", "waitlist", "notifications", "reports", "referrals", "analytics"} <= apps


@pytest.mark.parametrize("path", rules_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_rules_outside_accounts_ask_permissions_not_roles(path: Path):
    assert role_tests_in(path.read_text(), str(path)) == []


@pytest.mark.parametrize("source", [
    "from portal.accounts.permissions import has_role\n",
    "from portal.accounts import permissions\npermissions.has_role(user, 'x')\n",
    "from portal.accounts.roles import Role\nRole.MANAGER\n",
    "import portal.accounts.roles\n",
    "def f(user):\n    return user.groups.filter(name='x').exists()\n",
    "def f(user):\n    return 'Reception' in names\n",
])
def test_the_check_finds_each_way_of_testing_a_role(source: str):
    assert role_tests_in(source) != []


def test_the_check_lets_permissions_and_other_rules_through():
    source = ("from portal.accounts.permissions import can, is_clinical_staff, rule\n"
              "@rule('x.y')\ndef _y(user, obj):\n    return user.has_perm('x.do_y') or can(user, 'x.z')\n")
    assert role_tests_in(source) == []
