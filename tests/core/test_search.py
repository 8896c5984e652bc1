import pytest

from portal.core.search import highlight, match_names, search_all
from portal.people.models import User
from tests.people.factories import UserFactory


def test_highlight_escapes_and_marks():
    html = highlight("<b>Anna</b> Petrova", "anna")
    assert html == "&lt;b&gt;<mark>Anna</mark>&lt;/b&gt; Petrova"


def test_highlight_without_query_only_escapes():
    assert highlight("a < b", "") == "a &lt; b"


@pytest.mark.django_db
def test_match_names_needs_every_word():
    UserFactory(first_name="Anna", last_name="Petrova", email="anna@acme.test")
    UserFactory(first_name="Anna", last_name="Smith", email="anna.s@acme.test")
    UserFactory(first_name="Boris", last_name="Petrov", email="boris@acme.test")
    found = match_names(User.objects.all(), "anna petrova", ["first_name", "last_name", "email"])
    assert [u.email for u in found] == ["anna@acme.test"]
    assert match_names(User.objects.all(), "   ", ["first_name"]).count() == 0


@pytest.mark.django_db
def test_search_all_ignores_short_queries_and_anonymous(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    person = UserFactory(first_name="Zed")
    assert search_all(user=person, query="z") == []
    assert search_all(user=AnonymousUser(), query="zed") == []
