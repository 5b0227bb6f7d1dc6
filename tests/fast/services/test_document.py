"""document: versions with server-side SHA-256, sharing, the size limit, the permission matrix."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.contrib.auth.models import Group

from services.document.models import File, FileContent, FileVersion, Share

pytestmark = pytest.mark.django_db
BASE = "/api/v1/document"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def create(api, content: bytes | None = b"first draft", **fields) -> dict:
    payload = {"name": "report.txt", **fields}
    if content is not None:
        payload["content"] = b64(content)
    response = api.post(f"{BASE}/files/", payload)
    assert response.status == 201, response.data
    return response.data


def share(api, file_id: int, **target) -> dict:
    response = api.post(f"{BASE}/files/{file_id}/shares/", target)
    assert response.status == 201, response.data
    return response.data


def test_a_file_created_with_content_has_version_1_with_the_servers_sha256(as_writer, writer):
    file = create(as_writer, content=b"hello world")
    assert (file["version"], file["owner"], file["latest_version"]) == (1, writer.pk, 1)
    assert file["size"] == 11 and file["sha256"] == hashlib.sha256(b"hello world").hexdigest()
    assert file["created_at"].endswith("Z") and "content" not in file
    assert FileVersion.objects.get(file_id=file["id"]).content.data == b"hello world"


def test_a_file_created_without_content_has_no_version_yet(as_writer):
    file = create(as_writer, content=None)
    assert (file["latest_version"], file["size"], file["sha256"]) == (None, None, None)
    assert not FileVersion.objects.exists()


def test_uploads_append_numbered_versions_and_each_one_downloads_intact(as_writer):
    file = create(as_writer, content=b"v1")
    for body in (b"v2 longer", b"\x00\xffbinary"):
        added = as_writer.post(f"{BASE}/files/{file['id']}/versions/", {"content": b64(body)})
        assert added.status == 201 and added.data["sha256"] == hashlib.sha256(body).hexdigest()
    listed = as_writer.get(f"{BASE}/files/{file['id']}/versions/").data["results"]
    assert [v["number"] for v in listed] == [1, 2, 3] and "content" not in listed[0]
    got = as_writer.get(f"{BASE}/files/{file['id']}/versions/3/content/").data
    assert base64.b64decode(got["content"]) == b"\x00\xffbinary"
    assert (got["number"], got["name"], got["size"]) == (3, "report.txt", 8)
    old = as_writer.get(f"{BASE}/files/{file['id']}/versions/1/content/").data
    assert base64.b64decode(old["content"]) == b"v1"
    assert as_writer.get(f"{BASE}/files/{file['id']}/").data["latest_version"] == 3


def test_a_version_that_does_not_exist_is_a_404(as_writer):
    file = create(as_writer)
    response = as_writer.get(f"{BASE}/files/{file['id']}/versions/2/content/")
    assert (response.status, response.code) == (404, "not_found")


def test_version_numbers_continue_from_the_highest_stored_one(as_writer, writer):
    from services.document import services

    file = File.objects.get(pk=create(as_writer)["id"])
    numbers = [services.version_add(file=file, created_by=writer, content=b"x").number]
    numbers.append(services.version_add(file=file, created_by=writer, content=b"y").number)
    assert numbers == [2, 3]


def test_a_user_it_is_shared_with_reads_but_cannot_change_it(as_writer, connect, colleague):
    file = create(as_writer)
    share(as_writer, file["id"], user=colleague.pk)
    other = connect(colleague)
    assert other.get(f"{BASE}/files/{file['id']}/").status == 200
    assert other.get(f"{BASE}/files/{file['id']}/versions/1/content/").status == 200
    refused = [
        other.post(f"{BASE}/files/{file['id']}/versions/", {"content": b64(b"mine")}),
        other.patch(f"{BASE}/files/{file['id']}/", {"name": "x", "version": 1}),
        other.delete(f"{BASE}/files/{file['id']}/", {"version": 1}),
        other.post(f"{BASE}/files/{file['id']}/shares/", {"user": colleague.pk}),
    ]
    assert [(r.status, r.code) for r in refused] == [(403, "not_file_owner")] * 4
    assert FileVersion.objects.count() == 1 and File.objects.get().name == "report.txt"


def test_a_file_shared_with_a_group_is_visible_to_its_members_only(as_writer, connect, make_user):
    member = make_user("member", grants={"document": ("read",)}, groups=["finance"])
    stranger = make_user("stranger", grants={"document": ("read",)}, groups=["sales"])
    file = create(as_writer)
    share(as_writer, file["id"], group=Group.objects.get(name="finance").pk)
    assert connect(member).get(f"{BASE}/files/").data["count"] == 1
    assert connect(stranger).get(f"{BASE}/files/{file['id']}/").status == 404


def test_someone_it_is_not_shared_with_gets_404_everywhere(as_writer, connect, colleague):
    file = create(as_writer)
    other = connect(colleague)
    paths = ["/", "/versions/", "/versions/1/content/", "/shares/"]
    assert [other.get(f"{BASE}/files/{file['id']}{p}").status for p in paths] == [404] * 4
    upload = other.post(f"{BASE}/files/{file['id']}/versions/", {"content": b64(b"x")})
    assert upload.status == 404 and FileVersion.objects.count() == 1
    assert other.get(f"{BASE}/files/").data["count"] == 0


def test_an_admin_sees_every_file_and_uploads_to_it(as_writer, connect, boss):
    file = create(as_writer)
    admin = connect(boss)
    assert admin.get(f"{BASE}/files/").data["count"] == 1
    added = admin.post(f"{BASE}/files/{file['id']}/versions/", {"content": b64(b"fixed")})
    assert (added.status, added.data["number"], added.data["created_by"]) == (201, 2, boss.pk)


def test_removing_a_share_is_soft_and_takes_the_access_away(as_writer, connect, colleague):
    file = create(as_writer)
    granted = share(as_writer, file["id"], user=colleague.pk)
    url = f"{BASE}/files/{file['id']}/shares/"
    assert as_writer.delete(url, {"share": granted["id"]}).status == 400  # no version
    assert as_writer.delete(url, {"share": granted["id"], "version": 1}).status == 204
    assert connect(colleague).get(f"{BASE}/files/{file['id']}/").status == 404
    assert Share.all_objects.get(pk=granted["id"]).deleted_at is not None
    assert as_writer.get(url).data["count"] == 0


def test_sharing_twice_or_with_the_owner_is_refused(as_writer, writer, colleague):
    file = create(as_writer)
    share(as_writer, file["id"], user=colleague.pk)
    again = as_writer.post(f"{BASE}/files/{file['id']}/shares/", {"user": colleague.pk})
    owner = as_writer.post(f"{BASE}/files/{file['id']}/shares/", {"user": writer.pk})
    assert [(r.status, r.code) for r in (again, owner)] == [(409, "already_shared")] * 2
    assert Share.objects.count() == 1


@pytest.mark.parametrize(
    "payload", [{}, {"user": None, "group": None}, {"user": 999999}, {"group": "finance"}]
)
def test_an_invalid_share_is_a_400(as_writer, payload):
    file = create(as_writer)
    response = as_writer.post(f"{BASE}/files/{file['id']}/shares/", payload)
    assert (response.status, response.code) == (400, "invalid") and response.data["fields"]
    assert not Share.objects.exists()


def test_a_share_names_a_user_or_a_group_never_both(as_writer, colleague):
    Group.objects.create(name="team")
    file = create(as_writer)
    both = {"user": colleague.pk, "group": Group.objects.get().pk}
    response = as_writer.post(f"{BASE}/files/{file['id']}/shares/", both)
    assert response.status == 400 and "non_field_errors" in response.data["fields"]


def test_content_over_the_size_limit_is_refused_and_nothing_is_written(as_writer, settings):
    settings.DOCUMENT_MAX_FILE_BYTES = 10
    response = as_writer.post(f"{BASE}/files/", {"name": "big", "content": b64(b"x" * 11)})
    assert response.status == 400 and "content" in response.data["fields"]
    assert not File.objects.exists() and not FileContent.objects.exists()
    file = create(as_writer, content=b"x" * 10)
    bigger = as_writer.post(f"{BASE}/files/{file['id']}/versions/", {"content": b64(b"y" * 40)})
    assert bigger.status == 400 and "content" in bigger.data["fields"]
    assert FileVersion.objects.count() == 1


@pytest.mark.parametrize("content", ["not base64!", "QUJD\nREVG", "QUJ", 12345, ["QUJD"]])
def test_content_that_is_not_base64_is_a_400(as_writer, content):
    response = as_writer.post(f"{BASE}/files/", {"name": "a.txt", "content": content})
    assert (response.status, list(response.data["fields"])) == (400, ["content"])
    assert not File.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": ""},
        {"name": "x" * 256},
        {"name": ["a"]},
        {"name": "a", "description": "d" * 5001},
    ],
)
def test_invalid_file_input_is_a_400_with_field_errors(as_writer, payload):
    response = as_writer.post(f"{BASE}/files/", payload)
    assert (response.status, response.code) == (400, "invalid") and response.data["fields"]
    assert not File.objects.exists()


def test_a_read_only_caller_it_is_shared_with_cannot_upload(as_writer, connect, reader):
    file = create(as_writer)
    share(as_writer, file["id"], user=reader.pk)
    upload = connect(reader).post(f"{BASE}/files/{file['id']}/versions/", {"content": b64(b"x")})
    assert (upload.status, upload.code) == (403, "missing_grant")
    assert FileVersion.objects.count() == 1


def test_a_conflicts_current_metadata_carries_the_latest_version(as_writer):
    file = create(as_writer)
    url = f"{BASE}/files/{file['id']}/"
    assert as_writer.patch(url, {"name": "v2.txt", "version": 1}).ok
    stale = as_writer.patch(url, {"description": "late", "version": 1})
    assert (stale.status, stale.code) == (409, "version_conflict")
    assert (
        stale.data["current"]["name"] == "v2.txt" and stale.data["current"]["latest_version"] == 1
    )


def test_deleting_a_file_is_soft_and_needs_the_version(as_writer):
    file = create(as_writer)
    url = f"{BASE}/files/{file['id']}/"
    assert as_writer.delete(url).status == 400
    assert as_writer.delete(url, {"version": 1}).status == 204
    assert as_writer.get(url).status == 404
    assert File.all_objects.get(pk=file["id"]).deleted_at is not None
    assert FileVersion.objects.filter(file_id=file["id"]).exists()


def test_lists_paginate_and_filter_by_text_and_owner(as_writer, connect, colleague, writer):
    for name in ("alpha.txt", "beta.txt", "alphabet.md"):
        create(as_writer, name=name)
    theirs = create(connect(colleague), name="alpha-of-colleague.txt")
    share(connect(colleague), theirs["id"], user=writer.pk)
    page = as_writer.get(f"{BASE}/files/", {"page_size": 2})
    assert page.data["count"] == 4 and len(page.data["results"]) == 2 and page.data["next"]
    assert as_writer.get(f"{BASE}/files/", {"q": "alpha"}).data["count"] == 3
    mine = as_writer.get(f"{BASE}/files/", {"owner": writer.pk, "q": "alpha"}).data
    assert mine["count"] == 2
    assert as_writer.get(f"{BASE}/files/", {"owner": "someone"}).status == 400


def test_the_default_limit_is_five_mebibytes(as_writer):
    too_big = b64(b"\x00" * (5 * 1024 * 1024 + 1))
    response = as_writer.post(f"{BASE}/files/", {"name": "huge.bin", "content": too_big})
    assert response.status == 400 and "5242880" in response.data["fields"]["content"][0]
    assert not File.objects.exists()
