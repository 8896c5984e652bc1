"""The sign-in backend of people: Django's ModelBackend, reading the signed-in person with what every
request's visibility rules need.

Each request loads its person once (`get_user`). The rules of visibility that follow the department tree
also need the path of the department the person heads (`headed_path`), which used to cost a second query
on almost every page. Here it comes in the same row, as a subquery, and is memoised on the user object
where `headed_path` looks for it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import OuterRef, Subquery

from .models import Department

PATH = "portal.people.backends.PersonBackend"


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        headed = Department.objects.filter(head_id=OuterRef("pk")).order_by("path").values("path")[:1]
        user = (
            get_user_model()
            ._default_manager.annotate(lumen_headed_path=Subquery(headed))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._lumen_headed_path = user.__dict__.pop("lumen_headed_path")
        return user
