"""Routes of the boards (Kanban by status, "my plan") and the Gantt chart."""

from django.urls import path

from . import views_boards

urlpatterns = [
    path("kanban/", views_boards.kanban, name="kanban"),
    path("kanban/<int:pk>/status/", views_boards.kanban_move, name="kanban_move"),
    path("plan/", views_boards.plan, name="plan"),
    path("plan/tasks/<int:pk>/move/", views_boards.plan_card_move, name="plan_card_move"),
    path("plan/columns/new/", views_boards.plan_column_create, name="plan_column_create"),
    path("plan/columns/order/", views_boards.plan_columns_reorder, name="plan_columns_reorder"),
    path("plan/columns/<int:pk>/rename/", views_boards.plan_column_rename, name="plan_column_rename"),
    path("plan/columns/<int:pk>/delete/", views_boards.plan_column_delete, name="plan_column_delete"),
    path("gantt/", views_boards.gantt, name="gantt"),
    path("gantt/data/", views_boards.gantt_data, name="gantt_data"),
    path("gantt/<int:pk>/reschedule/", views_boards.gantt_reschedule, name="gantt_reschedule"),
]
