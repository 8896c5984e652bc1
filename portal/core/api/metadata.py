"""What an OPTIONS request tells about an endpoint: DRF's description, without looking up an object on
routes that do not name one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request

from portal.core.errors import NotFound


def names_an_object(view) -> bool:
    """Whether the route of `view` carries the id of the object its `get_object()` looks up."""
    if not hasattr(view, "get_object"):
        return False
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
    return lookup in getattr(view, "kwargs", {})


class ApiMetadata(SimpleMetadata):
    """DRF's `SimpleMetadata` assumes that a PUT goes to a detail route and calls `get_object()` to check the
    object's permissions. A view set's PUT on a route without an id (the caller's own settings, a "me"
    endpoint) has no object to look up there, so the check is made on detail routes only; elsewhere the
    view's permissions decide, as they do for the PUT itself.

    Each method is described as its action sees it (a view set picks the serializer of a write by its
    action, which DRF leaves at "metadata" during OPTIONS)."""

    def determine_actions(self, request, view):
        actions = {}
        action_map, action = getattr(view, "action_map", None), getattr(view, "action", None)
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.request = clone_request(request, method)
            if action_map is not None:
                view.action = action_map.get(method.lower())
            try:
                view.check_permissions(view.request)
                if method == "PUT" and names_an_object(view):
                    view.get_object()
                actions[method] = self.get_serializer_info(view.get_serializer())
            except (exceptions.APIException, Http404, NotFound, DjangoPermissionDenied):
                continue  # the caller may not do it: OPTIONS leaves it out
            finally:
                view.request = request
                if action_map is not None:
                    view.action = action
        return actions
