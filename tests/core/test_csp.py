"""The Content-Security-Policy: enforced on every response, and nothing in the templates or the project's own
scripts that it would refuse (inline scripts and handlers, javascript: URLs, style attributes and elements, eval).
The browser tests (tests/plugins/browser.py) fail on any violation a page actually reports."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.utils import client_as

EXPECTED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def directives(response) -> dict[str, set[str]]:
    assert "Content-Security-Policy" in response, f"no enforced policy on {response.status_code} {response!r}"
    assert "Content-Security-Policy-Report-Only" not in response
    parsed = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


def assert_strict(response) -> None:
    policy = directives(response)
    for name, values in EXPECTED.items():
        assert policy.get(name) == values, f"{name}: {policy.get(name)} (expected {values})"
    # connect-src: this site, which covers its websockets; at most the public address's ws(s) origin besides.
    assert "'self'" in policy["connect-src"]
    assert all(v == "'self'" or re.fullmatch(r"wss?://[^/*\s]+", v) for v in policy["connect-src"])
    for values in policy.values():
        assert not values & {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"}


@pytest.mark.django_db
def test_the_login_page_is_under_the_policy():
    response = client_as(None).get(reverse("login"))
    assert response.status_code == 200
    assert_strict(response)


def test_a_page_of_a_signed_in_person_is_under_the_policy(user):
    response = client_as(user).get(reverse("home"))
    assert response.status_code == 200
    assert_strict(response)


def test_an_api_response_is_under_the_policy(user):
    response = client_as(user).get("/api/v1/people/me/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert_strict(response)


@pytest.mark.django_db
def test_an_api_error_is_under_the_policy():
    response = client_as(None).get("/api/v1/people/me/")
    assert response.status_code in (401, 403)
    assert_strict(response)


def test_a_404_is_under_the_policy(user):
    response = client_as(user).get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response)


def test_swagger_ui_runs_under_the_policy_with_its_script_from_a_url(user):
    """No exemption: the split view serves Swagger UI's start-up script from its own URL (?script)."""
    client = client_as(user)
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert_strict(response)
    html = response.content.decode()
    assert "<style" not in html
    assert re.search(r'<script src="[^"]*\?script=?"', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script on the docs page"
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_redoc_may_use_inline_styles_and_nothing_else(user):
    """Redoc's styled-components write <style> elements at run time: that page alone allows inline styles."""
    response = client_as(user).get(reverse("api-redoc"))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["script-src"] == {"'self'"}
    html = response.content.decode()
    assert "fonts.googleapis.com" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_the_setting_is_the_new_style_one():
    """django-csp 4 reads CONTENT_SECURITY_POLICY only; an old CSP_* setting would be silently ignored."""
    assert not [name for name in dir(settings) if name.startswith("CSP_")]
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)


# --- what the policy would refuse, found in the source ------------------------------------------------------------

ROOT = Path(settings.BASE_DIR)
NOT_OURS = {".venv", "node_modules", "var", ".git", "vendor", "__pycache__"}


def _files(kind: str, suffixes: tuple[str, ...]) -> list[Path]:
    """The project's own files under every `kind` directory (templates/, static/) of the repository."""
    found = []
    for dirpath, dirnames, _ in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in NOT_OURS and not d.endswith(".egg-info")]
        if Path(dirpath).name == kind:
            for sub, subdirs, names in os.walk(dirpath):
                subdirs[:] = [d for d in subdirs if d not in NOT_OURS]
                found += [Path(sub) / n for n in names if n.endswith(suffixes)]
            dirnames[:] = []
    return sorted(found)


def _is_email(path: Path) -> bool:
    """E-mail bodies: mail clients ignore linked stylesheets, so these carry their styles inline. They are sent, never
    served as pages, so the page policy does not apply to them."""
    return "email" in path.parent.name or path.stem == "email" or path.stem.endswith("_email")


# Each: what the policy refuses, and how to find it in a template.
TEMPLATE_RULES = [
    ("inline event handler (on...=)", re.compile(r"\son[a-z]+\s*=", re.I)),
    (
        "inline <script> (no src)",
        re.compile(r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I),
    ),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
    ("style attribute", re.compile(r"\sstyle\s*=", re.I)),
    ("<style> element", re.compile(r"<style\b", re.I)),
    ("htmx code in the markup (hx-on, hx-vars)", re.compile(r"\bhx-(?:on\b|on:|vars\b)", re.I)),
    ("htmx js: value", re.compile(r"\bhx-(?:vals|headers)\s*=\s*(['\"])\s*(?:js|javascript):", re.I)),
]
TRIGGER = re.compile(r"\bhx-trigger\s*=\s*(['\"])(.*?)\1", re.I | re.S)


def _blank(match: re.Match) -> str:
    """A comment's place kept (its line breaks), so that findings after it keep their line numbers."""
    return "\n" * match.group(0).count("\n")


# Not rendered or not run: Django template comments; JavaScript comments.
TEMPLATE_COMMENTS = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)
SCRIPT_COMMENTS = re.compile(r"/\*.*?\*/|(?:^|(?<=\s))//[^\n]*", re.S)


def template_findings(path: Path, root: Path = ROOT) -> list[str]:
    text = TEMPLATE_COMMENTS.sub(_blank, path.read_text(encoding="utf-8"))
    name = path.relative_to(root)
    findings = []
    for label, pattern in TEMPLATE_RULES:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            findings.append(f"{name}:{line}: {label}: {match.group(0).strip()}")
    # A trigger filter (`keyup[key=='Enter']`) is evaluated as code; in `change from:input[name=q]` the brackets
    # belong to a CSS selector. A filter follows the event name, at the start of a comma-separated trigger.
    for match in TRIGGER.finditer(text):
        for spec in match.group(2).split(","):
            if re.match(r"\s*[\w.:-]+\[", spec) and not re.match(r"\s*from:", spec):
                line = text.count("\n", 0, match.start()) + 1
                findings.append(f"{name}:{line}: htmx trigger filter (eval): {spec.strip()}")
    return findings


def test_the_scan_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<form onsubmit="return confirm(1)"><a href="javascript:void(0)">x</a>\n'
        '<div style="width: 5%"></div><style>p{}</style><script>alert(1)</script>\n'
        "<button hx-on:click=\"go()\" hx-vals='js:{a: 1}' hx-trigger=\"keyup[key=='Enter'], click\">y</button>\n"
        '<script src="/static/x.js"></script><script type="application/json">{}</script>\n'
        '<input hx-trigger="input changed delay:300ms from:input[name=q], change from:select">\n'
        "{# no <style> here #}{% comment %}nor onclick= here{% endcomment %}"
    )
    found = "\n".join(template_findings(bad, root=tmp_path))
    for label in ("inline event handler", "javascript: URL", "style attribute", "<style> element",
                  "inline <script>", "hx-on", "js: value", "trigger filter"):  # fmt: skip
        assert label in found, (label, found)
    assert found.count("inline <script>") == 1 and found.count("trigger filter") == 1
    assert found.count("<style> element") == 1 and found.count("inline event handler") == 1


def test_no_template_has_what_the_policy_refuses():
    templates = [p for p in _files("templates", (".html",)) if not _is_email(p)]
    assert len(templates) > 100, "the scan found too few templates: is the search path right?"
    findings = [finding for path in templates for finding in template_findings(path)]
    assert not findings, (
        "The Content-Security-Policy refuses these (use data-confirm / data-autosubmit / data-width / a class, "
        "see static/lumen/lumen.js and lumen.css):\n  " + "\n  ".join(findings)
    )


# In the project's own scripts: writing a style attribute (the CSSOM, element.style.x = ..., is allowed) or
# markup with a style attribute or a handler, and evaluating strings.
SCRIPT_RULES = [
    ("setAttribute('style')", re.compile(r"setAttribute\(\s*['\"]style['\"]")),
    ("markup with a style attribute", re.compile(r"['\"`][^'\"`\n]*<[a-z][^>'\"`\n]*\sstyle\s*=", re.I)),
    ("markup with an inline handler", re.compile(r"['\"`][^'\"`\n]*<[a-z][^>'\"`\n]*\son[a-z]+\s*=", re.I)),
    ("eval", re.compile(r"(?<![\w.])eval\s*\(|new\s+Function\s*\(")),
    ("string timer", re.compile(r"set(?:Timeout|Interval)\s*\(\s*['\"`]")),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
]


def test_no_script_of_ours_writes_what_the_policy_refuses():
    scripts = _files("static", (".js",))
    assert any(p.name == "lumen.js" for p in scripts), scripts
    findings = []
    for path in scripts:
        text = SCRIPT_COMMENTS.sub(_blank, path.read_text(encoding="utf-8"))
        for label, pattern in SCRIPT_RULES:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                findings.append(f"{path.relative_to(ROOT)}:{line}: {label}: {match.group(0).strip()[:80]}")
    assert not findings, "The Content-Security-Policy refuses these:\n  " + "\n  ".join(findings)
