"""The Russian catalogues are complete: every marked message translated, none fuzzy, plurals in 3 forms.

The catalogues live beside the code (`<app>/locale/ru/LC_MESSAGES/django.po`, and `locale/` at the top for
the project's templates); `make` compiles them, nothing compiled is committed. A message marked in the
code but missing from its catalogue fails `test_every_marked_message_is_in_a_catalogue`: run
`makemessages -l ru` in the app's directory and translate what it added.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "node_modules", "var", ".git", "build", "static"}
PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)


def _catalogues() -> list[Path]:
    found = []
    for path in ROOT.rglob("locale/ru/LC_MESSAGES/*.po"):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            found.append(path)
    return sorted(found)


def _entries(path: Path) -> list[dict]:
    """The catalogue's entries: flags, msgid, msgid_plural and the msgstr forms, strings unescaped."""
    entries, entry, key = [], None, None

    def close():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            entry, key = None, None
            continue
        if line.startswith("#~"):  # obsolete entries are not used
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$', line)
        if match:
            name, index, text = match.groups()
            if name.startswith("msgstr"):
                key = ("msgstr", int(index or 0))
                entry["msgstr"][key[1]] = text
            else:
                key = (name, None)
                entry[name] = text
        elif line.startswith('"') and key is not None:
            text = line[1:-1]
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += text
            else:
                entry[key[0]] += text
    close()
    return entries


def test_russian_is_offered_and_german_is_not():
    codes = [code for code, _name in settings.LANGUAGES]
    assert "ru" in codes
    assert "de" not in codes  # offered only once a complete catalogue exists


def test_there_are_catalogues_for_every_app_with_messages():
    apps = {path.relative_to(ROOT).parts[0] for path in _catalogues()}
    assert {"portal", "tasks", "reports", "locale"} <= apps


@pytest.mark.parametrize("path", _catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(path):
    entries = _entries(path)
    header = next(e for e in entries if e["msgid"] == "")
    assert PLURAL_FORMS in header["msgstr"][0].replace("\\n", "\n")
    problems = []
    for entry in entries:
        if entry["msgid"] == "":
            continue
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {entry['msgid'][:60]}")
        forms = entry["msgstr"]
        wanted = 3 if "msgid_plural" in entry else 1
        if len(forms) != wanted or not all(forms.get(i) for i in range(wanted)):
            problems.append(f"untranslated: {entry['msgid'][:60]}")
    assert not problems, f"{len(problems)} problems in {path}:\n" + "\n".join(problems[:30])


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("path", _catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_compiles_with_matching_placeholders(path, tmp_path):
    """msgfmt --check: the format placeholders of every translation match its original."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext's xgettext is not installed")
def test_every_marked_message_is_in_a_catalogue(tmp_path):
    """What the code marks today is in the catalogues (makemessages was run after the last change)."""
    known: set[str] = set()
    for path in _catalogues():
        known.update(e["msgid"] for e in _entries(path) if e["msgid"])
    sources = []
    for pattern in ("*.py", "*.html", "*.txt"):
        for path in ROOT.rglob(pattern):
            parts = path.relative_to(ROOT).parts
            if SKIP.intersection(parts) or parts[0] in {"tests", "bench", "docs"} or "migrations" in parts:
                continue
            sources.append(path)
    missing = set()
    for path in sources:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r'\{% (?:translate|trans) "([^"]+)"', text):
            if match.group(1) not in known:
                missing.add(f"{path.relative_to(ROOT)}: {match.group(1)}")
        if path.suffix == ".py":
            for match in re.finditer(r'\b(?:gettext|gettext_lazy|_)\(\s*"((?:[^"\\]|\\.)+)"\s*\)', text):
                if match.group(1).replace('\\"', '"') not in known:
                    missing.add(f"{path.relative_to(ROOT)}: {match.group(1)}")
    assert not missing, f"{len(missing)} marked messages missing from the catalogues:\n" + "\n".join(
        sorted(missing)[:40]
    )


def test_pages_speak_russian(client, django_user_model):
    """A compiled catalogue is loaded: a person whose language is Russian gets the task list in Russian."""
    user = django_user_model.objects.create_user(email="ru@example.com", password="x" * 12, language="ru")
    client.force_login(user)
    html = client.get("/tasks/").content.decode()
    assert re.search("[А-Яа-яЁё]{4,}", html)
    assert "Верхняя панель" in html  # from the project's own catalogue (locale/, base.html's top bar)
    with translation.override("ru"):
        assert translation.gettext("Tasks") != "Tasks"


def test_every_catalogue_is_compiled_and_loaded():
    """Each app's catalogue reaches the pages: a message found only in that catalogue is translated (`make`
    compiles every catalogue it finds, new apps' included)."""
    catalogues = {path: _entries(path) for path in _catalogues()}
    counts: dict[str, int] = {}
    for entries in catalogues.values():
        for entry in entries:
            counts[entry["msgid"]] = counts.get(entry["msgid"], 0) + 1
    silent = []
    for path, entries in catalogues.items():
        own = next(
            e
            for e in entries
            if e["msgid"]
            and counts[e["msgid"]] == 1
            and "msgid_plural" not in e
            and "msgctxt" not in e
            and "\\" not in e["msgid"]
        )
        with translation.override("ru"):
            if translation.gettext(own["msgid"]) != own["msgstr"][0]:
                silent.append(f"{path.relative_to(ROOT)}: {own['msgid'][:60]}")
    assert not silent, "catalogues not compiled or not loaded:\n" + "\n".join(silent)


def test_no_message_is_translated_inside_an_f_string():
    """gettext's extractor does not look inside f-strings: a message there never reaches the catalogue."""
    pattern = re.compile(r"""\bf(['"]).*\{[^}]*\b(?:_|gettext|ngettext|pgettext|npgettext|gettext_lazy)\(""")
    found = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if SKIP.intersection(parts) or parts[0] in {"tests", "bench", "docs"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
