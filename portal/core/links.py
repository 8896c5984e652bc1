"""Links to one object by its id, without a `reverse()` per link.

A list page links every row several times (the row, its author, its edit and delete actions): a
`reverse()` walks the URL resolver each time (tens of microseconds), which at hundreds of links a page was
a good share of the page's time. `url_for_pk(name, pk)` reverses each route once, with a placeholder id,
keeps the two halves around it, and glues the id in between afterwards. Only for routes whose one argument
is an integer id (`<int:pk>`); the id is forced to an int, so nothing else can land in the path.

`get_absolute_url` of the models and the `{% pk_url %}` template tag use it.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = 987654321987
_halves: dict[tuple, tuple[str, str]] = {}


def url_for_pk(viewname: str, pk) -> str:
    """`reverse(viewname, args=[pk])` for a route with one integer argument, from a cached template."""
    key = (viewname, get_script_prefix(), get_urlconf())
    halves = _halves.get(key)
    if halves is None:
        url = reverse(viewname, args=[_PLACEHOLDER])
        head, found, tail = url.partition(str(_PLACEHOLDER))
        if not found or str(_PLACEHOLDER) in tail:
            raise ValueError(f"{viewname} does not take one integer id")
        halves = _halves[key] = (head, tail)
    return f"{halves[0]}{int(pk)}{halves[1]}"


_plain: dict[tuple, str] = {}


def url_for_name(viewname: str) -> str:
    """`reverse(viewname)` for a route without arguments, reversed once (a page linking it per row)."""
    key = (viewname, get_script_prefix(), get_urlconf())
    url = _plain.get(key)
    if url is None:
        url = _plain[key] = reverse(viewname)
    return url


def _forget(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":  # tests that swap the URLconf
        _halves.clear()
        _plain.clear()


setting_changed.connect(_forget, dispatch_uid="portal.core.links.forget")
