"""Every route of the knowledge base's core (home, search, spaces, pages, revisions, files, import and export,
and their API), called as every role, on a space restricted to Sales (with its sub-departments):

- outsider: IT's developer (not in Sales): the space and everything in it answer 404;
- member: east_rep, a reader through Sales' sub-departments: reads, may not write (403);
- editor: sales_rep, granted "edits";
- supervisor: sales_head, the space's responsible editor: administers it;
- admin: a portal admin.

Each write row works on fresh state where it needs it and probes its side effect.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledgebase.choices import PageStatus
from knowledgebase.models import Page, PageFile, PageRevision, Space, SpaceGrant
from tests.knowledgebase.factories import PageFactory, SpaceFactory, kb_world
from tests.utils import Endpoint, assert_matrix, rows, tables

pytestmark = pytest.mark.django_db

LOGIN = 302
HIDDEN = 404
DENIED = 403
API_ANON = (401, 403)


@pytest.fixture
def kb_users(org, roles):
    return {**roles, "editor": org.sales_rep}


def pages_(anonymous=LOGIN, outsider=HIDDEN, member=200, editor=200, supervisor=200, admin=200) -> dict:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "editor": editor,
        "supervisor": supervisor,
        "admin": admin,
    }


def writers(ok, *, member=DENIED) -> dict:
    return pages_(member=member, editor=ok, supervisor=ok, admin=ok)


def admins(ok) -> dict:
    return pages_(member=DENIED, editor=DENIED, supervisor=ok, admin=ok)


def api(**statuses) -> dict:
    return {"anonymous": API_ANON, **statuses}


def api_read(ok=200) -> dict:
    return api(outsider=HIDDEN, member=ok, editor=ok, supervisor=ok, admin=ok)


def api_write(ok) -> dict:
    return api(outsider=HIDDEN, member=DENIED, editor=ok, supervisor=ok, admin=ok)


@pytest.fixture
def kb_endpoints(org, kb_users):
    world = kb_world(org)
    space, page = world.restricted, world.secret
    made = itertools.count(1)
    PageRevision.objects.create(page=page, number=2, title=page.title, body="Second text")
    Page.objects.filter(pk=page.pk).update(revision=2)
    stored = PageFile.objects.create(
        page=page, file=SimpleUploadedFile("rules.txt", b"hello"), name="rules.txt", content_type="text/plain"
    )

    def fresh_page(role):
        return PageFactory(space=space, title=f"Fresh {next(made)} for {role}")

    def page_url(name):
        return lambda role: reverse(f"kb:{name}", args=[fresh_page(role).pk])

    def fresh_draft(role):
        author = kb_users.get(role)
        return PageFactory(
            space=space, title=f"Draft {next(made)}", status=PageStatus.DRAFT, created_by=author
        )

    def fresh_space(role):
        return SpaceFactory(title=f"Space {next(made)}", everyone_access="none", responsible=org.sales_head)

    def fresh_file(role):
        return PageFile.objects.create(
            page=page,
            file=SimpleUploadedFile("x.txt", b"x"),
            name=f"x{next(made)}.txt",
            content_type="text/plain",
        )

    def edit_post(role):
        current = Page.objects.get(pk=page.pk)
        return {
            "title": f"Rules by {role}",
            "body": f"Text by {role} {next(made)}",
            "tags": "",
            "language": "english",
            "comment": "",
            "base_revision": current.revision,
        }

    def space_post(role):
        return {
            "title": f"Renamed by {role} {next(made)}",
            "icon": "bi-book",
            "description": "",
            "responsible": org.sales_head.pk,
            "everyone_access": "none",
            "language": "english",
        }

    def grant_probe():
        return list(SpaceGrant.objects.filter(content_object=space).order_by("pk").values_list("pk", "role"))

    def markdown_file(role):
        return {"file": SimpleUploadedFile(f"imported-{role}.md", b"# Imported\n\nHello."), "parent": ""}

    return [
        Endpoint("home", "GET", reverse("kb:home"), pages_(outsider=200)),
        Endpoint("search", "GET", reverse("kb:search") + "?q=discount", pages_(outsider=200)),
        Endpoint("all spaces", "GET", reverse("kb:space_list") + "?q=handbook", pages_(outsider=200)),
        Endpoint("space create page", "GET", reverse("kb:space_create"), pages_(outsider=200)),
        Endpoint(
            "space create (company-wide: admins only)",
            "POST",
            reverse("kb:space_create"),
            pages_(outsider=DENIED, member=DENIED, editor=DENIED, supervisor=DENIED, admin=302),
            data=lambda role: {
                "title": f"Space of {role}",
                "kind": "company",
                "icon": "bi-book",
                "responsible": org.ceo.pk,
                "everyone_access": "read",
                "language": "english",
            },
            format="form",
            changed=rows(Space),
        ),
        Endpoint("space", "GET", reverse("kb:space_detail", args=[space.pk]), pages_()),
        Endpoint("space settings page", "GET", reverse("kb:space_edit", args=[space.pk]), admins(200)),
        Endpoint(
            "space settings",
            "POST",
            reverse("kb:space_edit", args=[space.pk]),
            admins(302),
            data=space_post,
            format="form",
            changed=rows(Space, "title"),
        ),
        Endpoint("space rights page", "GET", reverse("kb:space_rights", args=[space.pk]), admins(200)),
        Endpoint(
            "space rights",
            "POST",
            reverse("kb:space_rights", args=[space.pk]),
            admins(302),
            data=lambda role: {
                "everyone_access": "none",
                "read_departments": [org.sales.pk],
                "edit_users": [org.sales_rep.pk],
                "admin_users": [org.east_head.pk] + ([org.it_head.pk] if role == "supervisor" else []),
            },
            format="form",
            changed=grant_probe,
        ),
        Endpoint("space delete page", "GET", reverse("kb:space_delete", args=[space.pk]), admins(200)),
        Endpoint(
            "space delete",
            "POST",
            lambda role: reverse("kb:space_delete", args=[fresh_space(role).pk]),
            pages_(member=HIDDEN, editor=HIDDEN, supervisor=302, admin=302),
            format="form",
            changed=rows(Space),
        ),
        Endpoint("page create page", "GET", reverse("kb:page_create", args=[space.pk]), writers(200)),
        Endpoint(
            "page create",
            "POST",
            reverse("kb:page_create", args=[space.pk]),
            writers(302),
            data=lambda role: {
                "title": f"New by {role}",
                "body": "x",
                "language": "english",
                "publish": "on",
            },
            format="form",
            changed=rows(Page),
        ),
        Endpoint(
            "preview",
            "POST",
            reverse("kb:page_preview", args=[space.pk]),
            pages_(),
            data={"body": "**bold**"},
            format="form",
            changed=tables(Page),
            unchanged_for=("member", "editor", "supervisor", "admin"),
        ),
        Endpoint("page", "GET", reverse("kb:page_detail", args=[page.pk]), pages_()),
        Endpoint("page editor", "GET", reverse("kb:page_edit", args=[page.pk]), writers(200)),
        Endpoint(
            "page save",
            "POST",
            reverse("kb:page_edit", args=[page.pk]),
            writers(302),
            data=edit_post,
            format="form",
            changed=rows(PageRevision),
        ),
        Endpoint(
            "publish a draft",
            "POST",
            lambda role: reverse("kb:page_publish", args=[fresh_draft(role).pk]),
            pages_(member=DENIED, editor=302, supervisor=302, admin=302),
            format="form",
            changed=rows(Page, "status"),
        ),
        Endpoint("move page", "GET", reverse("kb:page_move", args=[page.pk]), writers(200)),
        Endpoint(
            "move",
            "POST",
            page_url("page_move"),
            writers(302),
            data={"parent": page.pk, "position": ""},
            format="form",
            changed=rows(Page, "parent"),
        ),
        Endpoint("delete page", "GET", reverse("kb:page_delete", args=[page.pk]), writers(200)),
        Endpoint("delete", "POST", page_url("page_delete"), writers(302), format="form", changed=rows(Page)),
        Endpoint(
            "attach a file",
            "POST",
            reverse("kb:page_file_upload", args=[page.pk]),
            writers(302),
            data=lambda role: {"file": SimpleUploadedFile(f"{role}.txt", b"notes")},
            format="multipart",
            changed=rows(PageFile),
        ),
        Endpoint(
            "remove a file",
            "POST",
            lambda role: reverse("kb:page_file_delete", args=[page.pk, fresh_file(role).pk]),
            writers(302),
            format="form",
            changed=rows(PageFile),
        ),
        Endpoint("download a file", "GET", reverse("kb:page_file_download", args=[stored.pk]), pages_()),
        Endpoint("history", "GET", reverse("kb:revision_history", args=[page.pk]), pages_()),
        Endpoint("revision", "GET", reverse("kb:revision_detail", args=[page.pk, 1]), pages_()),
        Endpoint("diff", "GET", reverse("kb:revision_diff", args=[page.pk]) + "?from=1&to=2", pages_()),
        Endpoint(
            "restore",
            "POST",
            lambda role: reverse("kb:revision_restore", args=[fresh_page(role).pk, 1]),
            writers(302),
            format="form",
            changed=rows(PageRevision),
        ),
        Endpoint("export", "GET", reverse("kb:page_export", args=[page.pk]) + "?subtree=1", pages_()),
        Endpoint("import page", "GET", reverse("kb:pages_import", args=[space.pk]), writers(200)),
        Endpoint(
            "import",
            "POST",
            reverse("kb:pages_import", args=[space.pk]),
            writers(302),
            data=markdown_file,
            format="multipart",
            changed=rows(Page),
        ),
        # --- the API ---------------------------------------------------------------------------------------
        Endpoint(
            "api spaces",
            "GET",
            reverse("kb-space-list"),
            api(outsider=200, member=200, editor=200, supervisor=200, admin=200),
        ),
        Endpoint(
            "api space create (a personal space: anyone, once)",
            "POST",
            reverse("kb-space-list"),
            api(outsider=201, member=201, editor=201, supervisor=201, admin=201),
            data=lambda role: {"title": f"Notes of {role}", "kind": "personal"},
            changed=rows(Space),
        ),
        Endpoint("api space", "GET", reverse("kb-space-detail", args=[space.pk]), api_read()),
        Endpoint(
            "api space change",
            "PATCH",
            reverse("kb-space-detail", args=[space.pk]),
            api(outsider=HIDDEN, member=DENIED, editor=DENIED, supervisor=200, admin=200),
            data=lambda role: {"title": f"Handbook {next(made)} ({role})"},
            changed=rows(Space, "title"),
        ),
        Endpoint("api space tree", "GET", reverse("kb-space-tree", args=[space.pk]), api_read()),
        Endpoint(
            "api pages",
            "GET",
            reverse("kb-page-list"),
            api(outsider=200, member=200, editor=200, supervisor=200, admin=200),
        ),
        Endpoint(
            "api page create",
            "POST",
            reverse("kb-page-list"),
            api_write(201),
            data=lambda role: {"space": space.pk, "title": f"API page by {role}", "body": "x"},
            changed=rows(Page),
        ),
        Endpoint("api page", "GET", reverse("kb-page-detail", args=[page.pk]), api_read()),
        Endpoint(
            "api page save",
            "PUT",
            reverse("kb-page-detail", args=[page.pk]),
            api_write(200),
            data=lambda role: {k: v for k, v in edit_post(role).items() if k != "tags"},
            changed=rows(PageRevision),
        ),
        Endpoint(
            "api page delete",
            "DELETE",
            lambda role: reverse("kb-page-detail", args=[fresh_page(role).pk]),
            api_write(204),
            changed=rows(Page),
        ),
        Endpoint(
            "api page move",
            "POST",
            lambda role: reverse("kb-page-move", args=[fresh_page(role).pk]),
            api_write(200),
            data={"parent": page.pk},
            changed=rows(Page, "parent"),
        ),
        Endpoint(
            "api search",
            "GET",
            reverse("kb-search") + "?q=discount",
            api(outsider=200, member=200, editor=200, supervisor=200, admin=200),
        ),
        Endpoint("api revisions", "GET", reverse("kb-revision-list", args=[page.pk]), api_read()),
        Endpoint("api revision", "GET", reverse("kb-revision-detail", args=[page.pk, 1]), api_read()),
        Endpoint("api diff", "GET", reverse("kb-revision-diff", args=[page.pk]) + "?from=1&to=2", api_read()),
        Endpoint(
            "api restore",
            "POST",
            lambda role: reverse("kb-revision-restore", args=[fresh_page(role).pk, 1]),
            api_write(201),
            changed=rows(PageRevision),
        ),
    ]


def test_kb_core_matrix(kb_users, kb_endpoints):
    assert_matrix(kb_users, kb_endpoints)
