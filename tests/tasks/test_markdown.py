"""Markdown of descriptions and comments: formatting kept, anything that runs code removed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.safestring import SafeString

from tasks.markdown import render_markdown


def test_formatting_is_rendered():
    html = render_markdown("# Plan\n\nSome **bold**, *italic* and `code`.\n\n- one\n- two")
    assert "<h1>Plan</h1>" in html
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html and "<code>code</code>" in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert isinstance(html, SafeString)


def test_tables_and_fenced_code():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n```\n<b>raw</b>\n```")
    assert "<table>" in html and "<td>1</td>" in html
    assert "<pre><code>&lt;b&gt;raw&lt;/b&gt;" in html


def test_line_breaks_are_kept():
    assert "<br>" in render_markdown("first line\nsecond line")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_renders_nothing(text):
    assert render_markdown(text) == ""


def test_script_tags_are_removed_with_their_content():
    html = render_markdown(
        "Hello <script>alert('x')</script> world\n\n<script src='https://evil.test/a.js'></script>"
    )
    assert "<script" not in html.lower()
    assert "alert" not in html and "evil.test" not in html
    assert "Hello" in html and "world" in html


def test_style_tags_and_attributes_are_removed():
    html = render_markdown('<style>body{display:none}</style><p style="position:fixed">x</p>')
    assert "<style" not in html and "display:none" not in html and "style=" not in html


@pytest.mark.parametrize(
    "text",
    [
        '<img src="x" onerror="alert(1)">',
        '<a href="https://ok.test" onclick="alert(1)">x</a>',
        '<p onmouseover="alert(1)">hover</p>',
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_event_handler_attributes_are_removed(text):
    html = render_markdown(text)
    assert "alert" not in html
    assert (
        "onerror" not in html and "onclick" not in html and "onmouseover" not in html and "onload" not in html
    )


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="  javascript:alert(1)">click</a>',
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "![img](javascript:alert(1))",
    ],
)
def test_dangerous_links_are_removed(text):
    html = render_markdown(text).lower()
    assert "javascript:" not in html and "data:" not in html and "vbscript:" not in html
    assert "href=" not in html and "src=" not in html


def test_iframes_and_forms_are_removed():
    html = render_markdown(
        '<iframe src="https://evil.test"></iframe><form action="/x"><input name="a"></form>'
    )
    assert "<iframe" not in html and "<form" not in html and "<input" not in html


def test_links_get_noopener_noreferrer():
    html = render_markdown("[site](https://example.com) and <https://example.org>")
    assert html.count('rel="noopener noreferrer"') == 2
    assert 'href="https://example.com"' in html and 'href="https://example.org"' in html


def test_mailto_and_relative_links_stay():
    html = render_markdown("[mail](mailto:a@b.test) [task](/tasks/1/)")
    assert 'href="mailto:a@b.test"' in html and 'href="/tasks/1/"' in html


def test_mentions_become_profile_links(db):
    html = render_markdown("Ask @[Ann Lee](user:42) **now**")
    url = reverse("people:profile", args=[42])
    assert f'<a class="lumen-mention" href="{url}" data-mention="42">@Ann Lee</a>' in html
    assert "<strong>now</strong>" in html
    assert "user:42" not in html


def test_mention_names_are_escaped():
    html = render_markdown("@[<img src=x onerror=alert(1)>](user:7)")
    assert "<img" not in html  # the name is inert text
    assert "&lt;img" in html


def test_mention_tokens_cannot_be_forged():
    # Text that looks like an internal placeholder stays text; only real mentions become links.
    html = render_markdown("lumenmention0x0x and @[Bo](user:3)")
    assert "lumenmention0x0x" in html
    assert html.count("lumen-mention") == 1


def test_users_cannot_forge_mention_links():
    html = render_markdown('<a class="lumen-mention" data-mention="1" href="https://evil.test">@Boss</a>')
    assert "lumen-mention" not in html and "data-mention" not in html
