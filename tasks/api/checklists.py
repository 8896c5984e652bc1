"""Tasks API: checklist items (/api/v1/tasks/checklist/)."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .. import selectors, services
from ..models import ChecklistItem
from .serializers.checklists import ChecklistItemSerializer, ChecklistItemUpdateSerializer

# --- checklist items, comments and files by id --------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(summary="One checklist item"),
    partial_update=extend_schema(
        summary="Change an item's text or assignee, or tick it (`is_done`)",
        request=ChecklistItemUpdateSerializer,
        responses=ChecklistItemSerializer,
    ),
    destroy=extend_schema(summary="Delete a checklist item", responses={204: None}),
)
class ChecklistItemViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Checklist items, reached by id; listing, adding and reordering happen under their task."""

    serializer_class = ChecklistItemSerializer
    queryset = ChecklistItem.objects.none()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def _item(self) -> ChecklistItem:
        return selectors.checklist_item_get(user=self.request.user, pk=self.kwargs["pk"])

    def _out(self, item: ChecklistItem) -> Response:
        item = selectors.checklist_item_get(user=self.request.user, pk=item.pk)
        return Response(ChecklistItemSerializer(item).data)

    def retrieve(self, request, *args, **kwargs):
        return self._out(self._item())

    def update(self, request, *args, **kwargs):
        item = self._item()
        data = ChecklistItemUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        done = changes.pop("is_done", None)
        with transaction.atomic():  # a text change and a tick succeed or fail together
            if changes:
                item = services.checklist_item_update(actor=request.user, item=item, **changes) or item
            if done is not None:
                item = services.checklist_item_toggle(actor=request.user, item=item, done=done) or item
        return self._out(item)

    def destroy(self, request, *args, **kwargs):
        services.checklist_item_delete(actor=request.user, item=self._item())
        return Response(status=status.HTTP_204_NO_CONTENT)
