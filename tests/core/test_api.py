"""The API's common parts: token auth, the JSON error shape, search, the schema and the docs."""

import pytest

from tests.people.factories import UserFactory
from tests.utils import client_as


@pytest.fixture
def person(db):
    return UserFactory(
        email="anna@acme.test", first_name="Anna", last_name="Petrova", password="s3cret-pass!"
    )


def test_token_for_valid_credentials_authenticates(person):
    client = client_as(None)
    response = client.post("/api/v1/auth/token/", {"email": "ANNA@acme.test", "password": "s3cret-pass!"})
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/search/", {"q": "anna"}).status_code == 200


def test_token_refused_with_stable_error_shape(person):
    response = client_as(None).post("/api/v1/auth/token/", {"email": "anna@acme.test", "password": "wrong"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid"
    assert error["fields"] == {"non_field_errors": ["Wrong e-mail or password."]}


def test_field_errors_are_listed_per_field(db):
    response = client_as(None).post("/api/v1/auth/token/", {"email": "not-an-email"})
    error = response.json()["error"]
    assert set(error["fields"]) == {"email", "password"}


def test_anonymous_gets_json_401_or_403(db):
    response = client_as(None).get("/api/v1/search/", {"q": "anna"})
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")


def test_unknown_api_url_is_json_404(person):
    response = client_as(person).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_search_api_requires_two_characters(person):
    response = client_as(person).get("/api/v1/search/", {"q": "a"})
    assert response.status_code == 400
    assert "q" in response.json()["error"]["fields"]


def test_search_api_finds_people(person):
    UserFactory(first_name="Boris", last_name="Ivanov")
    body = client_as(person).get("/api/v1/search/", {"q": "petrova"}).json()
    people = next(group for group in body["results"] if group["kind"] == "people")
    assert [hit["title"] for hit in people["hits"]] == ["Anna Petrova"]


def test_schema_and_docs_are_served(person):
    client = client_as(person)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"/api/v1/people/" in schema.content and b"/api/v1/groups/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()


def test_api_root_lists_collections(person):
    body = client_as(person).get("/api/v1/").json()
    assert {"person", "department", "workgroup", "search", "schema"} <= set(body)


def test_throttling_is_configured():
    from django.conf import settings as django_settings

    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]


def test_search_refuses_a_nul(person):
    response = client_as(person).get("/api/v1/search/", {"q": "an\x00na"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"q": ["Null characters are not allowed."]}


# Callers without credentials: signing in, and a store's order webhook (signed by its body, not a user).
ANONYMOUS_OPERATIONS = {"/api/v1/auth/token/", "/api/v1/crm/hooks/store/{token}/"}


def test_every_operation_documents_its_errors_in_the_one_shape():
    from tests.core.openapi import openapi_schema

    schema = openapi_schema()
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert "429" in errors, f"{method} {path}"
            if path not in ANONYMOUS_OPERATIONS:
                assert {"401", "403"} <= set(errors), f"{method} {path}"
            for code, response in errors.items():
                body = response["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {code}"


def test_writes_that_answer_lists_answer_them_whole():
    """Only reads page: the invitations a POST sent come back as a plain list, paginated view set or not."""
    from tests.core.openapi import openapi_schema, response_schema

    assert response_schema("/api/v1/invitations/", "post", "201")["type"] == "array"
    for path, item in openapi_schema()["paths"].items():
        for method, operation in item.items():
            if method != "get":
                assert "Paginated" not in str(operation["responses"]), f"{method} {path}"
