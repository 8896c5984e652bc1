"""The one "partial for htmx, page otherwise" helper (portal.core.htmx)."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from portal.core.htmx import is_htmx, partial_or_redirect, redirect_htmx, render_htmx, with_trigger

TEMPLATES = {
    "page.html": "<html><body>page {{ name }}</body></html>",
    "partial.html": "<li>partial {{ name }}</li>",
}


@pytest.fixture(autouse=True)
def _templates(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", TEMPLATES)]},
        }
    ]


def _request(method="get", path="/things/", **headers):
    request = getattr(RequestFactory(), method)(path, **headers)
    HtmxMiddleware(lambda r: None)(request)  # sets request.htmx as on a real request
    return request


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_is_htmx_only_for_swaps():
    assert is_htmx(_request(**HTMX))
    assert not is_htmx(_request())
    assert not is_htmx(_request(**HTMX, HTTP_HX_BOOSTED="true"))  # a boosted link wants the page
    assert not is_htmx(_request(**HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true"))


def test_render_htmx_gives_the_page_or_the_partial():
    page = render_htmx(_request(), "page.html", {"name": "x"}, partial="partial.html")
    assert page.status_code == 200 and page.content.decode() == "<html><body>page x</body></html>"
    part = render_htmx(_request(**HTMX), "page.html", {"name": "x"}, partial="partial.html")
    assert part.status_code == 200 and part.content.decode() == "<li>partial x</li>"
    # Without a partial both get the template.
    assert (
        render_htmx(_request(**HTMX), "partial.html", {"name": "y"}).content.decode() == "<li>partial y</li>"
    )


def test_render_htmx_statuses():
    # A refused form: the page answers 400, the partial 200 so that htmx swaps the errors in.
    kwargs = {"partial": "partial.html", "status": 400, "partial_status": 200}
    assert render_htmx(_request(), "page.html", {}, **kwargs).status_code == 400
    assert render_htmx(_request(**HTMX), "page.html", {}, **kwargs).status_code == 200
    assert (
        render_htmx(_request(**HTMX), "page.html", {}, partial="partial.html", status=422).status_code == 422
    )


def test_render_htmx_trigger_only_for_htmx():
    part = render_htmx(_request(**HTMX), "page.html", {}, partial="partial.html", trigger="counters-changed")
    assert part["HX-Trigger"] == "counters-changed"
    page = render_htmx(_request(), "page.html", {}, partial="partial.html", trigger="counters-changed")
    assert "HX-Trigger" not in page
    detailed = render_htmx(
        _request(**HTMX), "page.html", {}, partial="partial.html", trigger={"saved": {"id": 3}}
    )
    assert json.loads(detailed["HX-Trigger"]) == {"saved": {"id": 3}}


def test_render_htmx_page_context_only_for_the_page():
    calls = []

    def page_extra():
        calls.append(1)
        return {"name": "page only"}

    kwargs = {"partial": "partial.html", "page_context": page_extra}
    part = render_htmx(_request(**HTMX), "page.html", {"name": "x"}, **kwargs)
    assert part.content.decode() == "<li>partial x</li>" and not calls  # never built for the partial
    page = render_htmx(_request(), "page.html", {"name": "x"}, **kwargs)
    assert page.content.decode() == "<html><body>page page only</body></html>" and calls == [1]


def test_with_trigger_sets_the_header():
    from django.http import HttpResponse

    assert with_trigger(HttpResponse(), "refresh")["HX-Trigger"] == "refresh"


def test_redirect_htmx():
    page = redirect_htmx(_request(method="post"), "/elsewhere/")
    assert page.status_code == 302 and page["Location"] == "/elsewhere/"
    swap = redirect_htmx(_request(method="post", **HTMX), "/elsewhere/")
    assert swap.status_code == 204 and swap["HX-Redirect"] == "/elsewhere/" and not swap.content


def _post(**headers):
    request = _request("post", **headers)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_partial_or_redirect_page_flashes_and_redirects():
    request = _post()
    answer = partial_or_redirect(request, "/done/", partial="partial.html", success="Saved.", warning="Late.")
    assert answer.status_code == 302 and answer["Location"] == "/done/"
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [
        ("warning", "Late."),
        ("success", "Saved."),
    ]
    # Errors are flashed instead of the success.
    request = _post()
    partial_or_redirect(request, "/done/", success="Saved.", errors=["Bad date.", "No access."])
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [
        ("error", "Bad date."),
        ("error", "No access."),
    ]


def test_partial_or_redirect_htmx_renders_and_flashes_nothing():
    calls = []

    def context():
        calls.append(1)
        return {"name": "z"}

    request = _post(**HTMX)
    answer = partial_or_redirect(
        request, "/done/", partial="partial.html", context=context, success="Saved.", trigger="changed"
    )
    assert answer.status_code == 200 and answer.content.decode() == "<li>partial z</li>"
    assert answer["HX-Trigger"] == "changed" and list(get_messages(request)) == []
    # The lazy context is not built for a page.
    partial_or_redirect(_post(), "/done/", partial="partial.html", context=context)
    assert calls == [1]
    # Nothing to render: an empty answer (the swap removes the target); a view's own renderer wins.
    empty = partial_or_redirect(_post(**HTMX), "/done/")
    assert empty.status_code == 200 and empty.content == b""
    own = partial_or_redirect(
        _post(**HTMX), "/done/", partial="partial.html", response=lambda: HttpResponse("own")
    )
    assert own.content == b"own"
