"""Dependencies point down only: `portal/core` names no app, and reports and tasks meet only through core's
registry (STYLE rule 13). Read from the source with `ast`, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Every project app (installed or not yet): its import path and its short name (URL namespace, app label).
PROJECT_APPS = {
    "portal.people": "people",
    "portal.groups": "groups",
    "portal.notifications": "notifications",
    "portal.stream": "stream",
    "portal.chat": "chat",
    "portal.workflows": "workflows",
    "tasks": "tasks",
    "reports": "reports",
    "crm": "crm",
    "strategy": "strategy",
    "knowledgebase": "knowledgebase",
}

# Known leftovers in core, each to be moved into the app it names (not to be added to).
CORE_PENDING: set[str] = set()


def _python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, relative ones resolved against the file's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, module] if module else base)
            found.append((node.lineno, module))
            # `from portal import chat` names the app in the alias
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _names_app(module: str, apps) -> str | None:
    for app in apps:
        if module == app or module.startswith(app + "."):
            return app
    return None


def _app_strings(path: Path) -> list[tuple[int, str]]:
    """String constants that are an app's dotted path or URL name ("tasks:home", "portal.chat.models")."""
    names = "|".join(re.escape(n) for n in {*PROJECT_APPS, *PROJECT_APPS.values()})
    pattern = re.compile(rf"^({names})([.:][\w.:-]+)?$")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and pattern.match(node.value)
        and (":" in node.value or "." in node.value)
    ]


def test_the_import_reader_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    source = "from .models import X\n\ndef f():\n    from tasks.models import Task\n    import portal.chat\n"
    path = ROOT / "portal" / "core" / "_probe_for_the_test.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    modules = [m for _, m in _imports(path)]
    assert "portal.core.models" in modules and "tasks.models" in modules and "portal.chat" in modules


@pytest.mark.parametrize("path", _python_files("portal/core"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_names_no_app(path):
    relative = str(path.relative_to(ROOT))
    if relative in CORE_PENDING:
        pytest.skip("known leftover, listed in CORE_PENDING")
    imports = [(line, m) for line, m in _imports(path) if _names_app(m, PROJECT_APPS)]
    strings = _app_strings(path)
    assert not imports and not strings, f"{relative} names an app: {imports + strings}"


def test_the_pending_list_only_shrinks():
    """A file listed as pending that no longer names an app must leave the list (so it stays honest)."""
    for relative in CORE_PENDING:
        path = ROOT / relative
        if not path.exists():
            continue
        named = [m for _, m in _imports(path) if _names_app(m, PROJECT_APPS)] + _app_strings(path)
        assert named, f"{relative} names no app any more: drop it from CORE_PENDING"


@pytest.mark.parametrize(("app", "other"), [("reports", "tasks"), ("tasks", "reports")])
def test_reports_and_tasks_do_not_import_each_other(app, other):
    offending = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in _python_files(app)
        for line, module in _imports(path)
        if _names_app(module, [other])
    ]
    assert not offending, f"{app} imports {other}: {offending}"
