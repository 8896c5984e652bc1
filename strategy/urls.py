"""Strategy pages, all in the "strategy" namespace."""

from django.urls import path

from .views import goals, home, indicators, kpi, orphans, projects

app_name = "strategy"
urlpatterns: list = [
    path("", home.home, name="home"),
    path("mission/", home.text_edit, name="text_edit"),
    # Goals: the register, the map, one goal and its links.
    path("goals/", goals.goal_register, name="goal_register"),
    path("goals/map/", goals.goal_map, name="goal_map"),
    path("goals/new/", goals.goal_create, name="goal_create"),
    path("goals/<int:pk>/", goals.goal_detail, name="goal_detail"),
    path("goals/<int:pk>/edit/", goals.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/links/", goals.goal_link_add, name="goal_link_add"),
    path("goals/<int:pk>/links/<int:link_pk>/remove/", goals.goal_link_remove, name="goal_link_remove"),
    path("goals/<int:pk>/projects/", goals.goal_project_add, name="goal_project_add"),
    path(
        "goals/<int:pk>/projects/<int:link_pk>/remove/", goals.goal_project_remove, name="goal_project_remove"
    ),
    path("goals/<int:pk>/tasks/", goals.goal_task_add, name="goal_task_add"),
    path("goals/<int:pk>/pages/", goals.goal_page_add, name="goal_page_add"),
    path("goals/<int:pk>/pages/<int:link_pk>/remove/", goals.goal_page_remove, name="goal_page_remove"),
    path("tasks/<int:task_pk>/goal/", goals.task_goal_set, name="task_goal_set"),
    path("tasks/<int:task_pk>/goal/panel/", goals.task_goal_panel, name="task_goal_panel"),
    # Projects: the register and their weekly status notes.
    path("projects/", projects.project_register, name="project_register"),
    path("projects/<int:pk>/notes/", projects.project_notes, name="project_notes"),
    # Orphan work.
    path("orphans/", orphans.orphan_work, name="orphan_work"),
    path("orphans/tasks/", orphans.orphan_tasks, name="orphan_tasks"),
    # Indicators and KPI cards.
    *indicators.urls,
    *kpi.urls,
]
