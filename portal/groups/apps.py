from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "portal.groups"
    label = "workgroups"
    verbose_name = "Workgroups and projects"
