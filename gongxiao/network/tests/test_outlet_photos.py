"""Outlet photos: uploaded by whoever may write the outlet, served only to whoever may see it, never from MEDIA."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongxiao.core import roles
from gongxiao.core.testing import make_user
from gongxiao.network.models import OutletPhoto

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def outlet_a(network):
    return network.outlets["VS-01"]  # coop A's village service coop


@pytest.fixture
def photo_a(outlet_a, county):
    return OutletPhoto.objects.create(
        outlet=outlet_a,
        photo=SimpleUploadedFile("front.png", PNG),
        caption="门头",
        uploaded_by=county.clerk_a,
    )


def _snapshot():
    return list(OutletPhoto.objects.order_by("pk").values())


def test_clerk_adds_a_photo_to_an_outlet_of_their_coop(outlet_a, client_a, county):
    # when
    response = client_a.post(
        f"/network/outlets/{outlet_a.pk}/photos/new/",
        {"photo": SimpleUploadedFile("服务社门头.JPG", JPEG), "caption": "门头", "taken_on": "2023-02-20"},
    )
    # then
    assert response.status_code == 302 and response["Location"] == f"/network/outlets/{outlet_a.pk}/"
    stored = OutletPhoto.objects.get()
    assert (stored.outlet, stored.caption, stored.uploaded_by) == (outlet_a, "门头", county.clerk_a)
    assert stored.photo.name.startswith("outlets/") and stored.photo.name.endswith(".jpg")
    assert "门头" not in stored.photo.name  # a name of our own
    body = client_a.get(f"/network/outlets/{outlet_a.pk}/").content.decode()
    assert f'src="/network/photos/{stored.pk}/"' in body


@pytest.mark.parametrize("name,content", [("notes.txt", b"hello"), ("fake.png", b"%PDF-1.4 not a picture")])
def test_a_file_that_is_not_a_photo_is_refused(outlet_a, client_a, name, content):
    response = client_a.post(
        f"/network/outlets/{outlet_a.pk}/photos/new/", {"photo": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert name in response.context["form"].errors["photo"][0]
    assert 'data-testid="error-photo"' in response.content.decode()
    assert not OutletPhoto.objects.exists()


@pytest.mark.parametrize(
    "who,status", [("leader", 200), ("a", 200), ("store_a", 200), ("b", 404), ("fund_a", 404)]
)
def test_the_photo_is_served_only_to_those_who_may_see_the_outlet(photo_a, county, who, status):
    users = {
        "leader": county.leader,
        "a": county.clerk_a,
        "b": county.clerk_b,
        "store_a": make_user("store_a", county.coop_a, roles.STORE_CLERK),
        "fund_a": make_user("fund_a", county.coop_a, roles.FUND_MANAGER),
    }
    response = _client(users[who]).get(f"/network/photos/{photo_a.pk}/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, max-age=3600"


def test_the_photo_is_not_public(photo_a, leader_client):
    anonymous = Client().get(f"/network/photos/{photo_a.pk}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert leader_client.get("/media/" + photo_a.photo.name).status_code == 404


def test_a_photo_whose_file_is_gone_is_a_404(photo_a, client_a):
    photo_a.photo.storage.delete(photo_a.photo.name)
    assert client_a.get(f"/network/photos/{photo_a.pk}/").status_code == 404


def test_who_may_add_a_photo(outlet_a, county, client_b, leader_client):
    store_clerk = _client(make_user("store_a", county.coop_a, roles.STORE_CLERK))
    upload = {"photo": SimpleUploadedFile("a.png", PNG)}
    assert client_b.post(f"/network/outlets/{outlet_a.pk}/photos/new/", upload).status_code == 404
    assert leader_client.post(f"/network/outlets/{outlet_a.pk}/photos/new/", upload).status_code == 403
    assert store_clerk.post(f"/network/outlets/{outlet_a.pk}/photos/new/", upload).status_code == 403
    assert not OutletPhoto.objects.exists()
    assert (
        'data-testid="new-photo"'
        not in leader_client.get(f"/network/outlets/{outlet_a.pk}/").content.decode()
    )


def test_clerk_deletes_a_photo_and_its_file_after_commit(
    photo_a, client_a, django_capture_on_commit_callbacks
):
    storage, name = photo_a.photo.storage, photo_a.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(f"/network/photos/{photo_a.pk}/delete/")
    assert response.status_code == 302
    assert not OutletPhoto.objects.exists()
    assert not storage.exists(name)


def test_others_may_not_delete_a_photo(photo_a, client_b, leader_client):
    before = _snapshot()
    assert client_b.post(f"/network/photos/{photo_a.pk}/delete/").status_code == 404
    assert leader_client.post(f"/network/photos/{photo_a.pk}/delete/").status_code == 403
    assert leader_client.get(f"/network/photos/{photo_a.pk}/delete/").status_code == 405
    assert _snapshot() == before
    assert photo_a.photo.storage.exists(photo_a.photo.name)
