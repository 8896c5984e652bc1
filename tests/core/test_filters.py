"""The FilterSet base: each FilterSet gets filters of its own (parent, form field, method) without django-filter's
deep copy, and two FilterSets of one class never share them."""

from __future__ import annotations

import django_filters
from django.http import QueryDict

from portal.core.filters import FilterSet
from portal.people.models import User


class PeopleByName(FilterSet):
    name = django_filters.CharFilter(method="filter_name")
    email = django_filters.CharFilter(lookup_expr="iexact")
    active = django_filters.BooleanFilter(field_name="is_active")
    from_id = django_filters.NumberFilter(field_name="id", lookup_expr="gte")

    class Meta:
        model = User
        fields = ["name", "email", "active", "from_id"]

    def filter_name(self, queryset, name, value):
        self.seen = value
        return queryset.filter(first_name__iexact=value)


def test_each_filterset_owns_its_filters_and_calls_its_own_methods(db):
    one = PeopleByName(QueryDict("name=Ann"), queryset=User.objects.all())
    two = PeopleByName(QueryDict("name=Bob&email=x@y.test"), queryset=User.objects.all())
    for name, declared in PeopleByName.base_filters.items():
        assert one.filters[name] is not declared and one.filters[name] is not two.filters[name]
        assert one.filters[name].parent is one and two.filters[name].parent is two
    assert one.filters["name"].filter.f is one.filters["name"]
    assert one.form.fields["name"] is not two.form.fields["name"]
    assert one.is_valid() and two.is_valid()
    assert "Ann" in str(one.qs.query) and "Bob" in str(two.qs.query)
    assert one.seen == "Ann" and two.seen == "Bob"
    assert not hasattr(PeopleByName.base_filters["name"], "parent")


def test_a_bad_value_is_an_error_of_that_filterset_only(db):
    bad = PeopleByName(QueryDict("from_id=many"), queryset=User.objects.all())
    good = PeopleByName(QueryDict("from_id=3"), queryset=User.objects.all())
    assert good.is_valid()
    assert not bad.is_valid() and "from_id" in bad.errors
    assert good.is_valid() and not good.errors
