"""The workflows app in the global search: the processes a person may see (`portal.workflows.search`)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from portal.core.search import register_search

    from .. import search

    register_search("workflows_processes", _("Approvals"), search.search_processes, order=50)
