"""`{% url %}` for routes without arguments is reversed once (the fast_url builtin); every other use is
Django's own tag, with its errors and `as` variables."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse

from portal.core.templatetags import fast_url


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_a_route_without_arguments_is_the_reversed_path():
    assert _render("{% url 'home' %}") == reverse("home")
    assert _render("{% url 'search' as where %}[{{ where }}]") == f"[{reverse('search')}]"
    name = "people:directory"
    assert _render("{% url name %}", name=name) == reverse(name)


def test_routes_with_arguments_go_through_djangos_node():
    node = engines["django"].from_string("{% url 'people:profile' 5 %}").template.nodelist[0]
    assert not isinstance(node, fast_url.NamedURLNode)
    assert _render("{% url 'people:profile' 5 %}") == reverse("people:profile", args=[5])


def test_an_unknown_name_is_djangos_error_or_an_empty_variable():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no-such-route' %}")
    assert _render("{% url 'no-such-route' as where %}[{{ where }}]") == "[]"


def test_a_path_is_escaped_as_djangos_tag_escapes_it(monkeypatch):
    monkeypatch.setattr(fast_url, "url_for_name", lambda name: "/a&b/")
    assert _render("{% url 'home' %}") == "/a&amp;b/"
    assert _render("{% autoescape off %}{% url 'home' %}{% endautoescape %}") == "/a&b/"
