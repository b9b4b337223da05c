"""Pages for five-unification assessments (with a photo) and pesticide licences, scoped through the store."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.translation import gettext, override
from python_calamine import CalamineWorkbook

from gongxiao.core import clock, roles
from gongxiao.core.testing import make_user
from gongxiao.network.models import Outlet
from gongxiao.supply import store_views
from gongxiao.supply.models import PesticideLicence, UnificationAssessment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture
def store_b(shop):
    """Coop B's chain store, without licence or assessment."""
    county = shop.county
    return Outlet.objects.create(
        organization=county.coop_b,
        code="CS-02",
        name="宜农农资连锁门店（溪口店）",
        kind=Outlet.Kind.CHAIN_STORE,
        region=county.village_b,
        location=shop.store_b,
    )


@pytest.fixture
def assessment_a(shop):
    return UnificationAssessment.objects.create(
        outlet=shop.outlet,
        assessed_on=dt.date(2022, 11, 15),
        assessed_by="县供销社业务科",
        signage=True,
        rules=True,
        zoning=True,
        distribution=True,
        sales_system=True,
        photo=SimpleUploadedFile("a.png", PNG),
    )


def _assessment_post(outlet, photo=None, **changes):
    data = {
        "outlet": outlet.pk,
        "assessed_on": "2023-03-01",
        "assessed_by": "县供销社业务科",
        "signage": "on",
        "rules": "on",
        "zoning": "on",
        "distribution": "on",
        "note": "销售系统未上线",
    }
    if photo is not None:
        data["photo"] = photo
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _licence_post(outlet, **changes):
    data = {
        "outlet": outlet.pk,
        "number": "农药经许（浙）33032700002",
        "valid_from": "2024-01-01",
        "valid_to": "2028-12-31",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _errors(response, field):
    with override("zh-hans"):
        return [str(error) for error in response.context["form"].errors[field]]


def _sheet(response) -> list[list]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()


def _assessments():
    return list(UnificationAssessment.objects.order_by("pk").values())


def _licences():
    return list(PesticideLicence.objects.order_by("pk").values())


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- assessments


def test_clerk_records_an_assessment_with_a_photo(shop, client_a):
    # when
    response = client_a.post(
        "/supply/stores/assessments/new/",
        _assessment_post(
            shop.outlet, photo=SimpleUploadedFile("门店照片.JPG", JPEG, content_type="image/jpeg")
        ),
    )
    # then
    assessment = UnificationAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/supply/stores/assessments/{assessment.pk}/"
    assert (assessment.met, assessment.meets_all, assessment.note) == (4, False, "销售系统未上线")
    assert assessment.photo.name.startswith(f"assessments/{clock.today().year}/")
    assert assessment.photo.name.endswith(".jpg") and "门店" not in assessment.photo.name
    with assessment.photo.open("rb") as stored:
        assert stored.read() == JPEG


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("notes.txt", b"hello", "“notes.txt” is not a photo: upload a JPG, PNG or WebP picture."),
        ("scan.pdf", b"%PDF-1.4", "“scan.pdf” is not a photo: upload a JPG, PNG or WebP picture."),
        (
            "fake.jpg",
            b"MZ\x90\x00 not a picture",
            "“fake.jpg” is not a JPG, PNG or WebP picture (the file's content is something else).",
        ),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused(shop, client_a, name, content, expected):
    response = client_a.post(
        "/supply/stores/assessments/new/",
        _assessment_post(shop.outlet, photo=SimpleUploadedFile(name, content)),
    )
    assert response.status_code == 200
    with override("zh-hans"):
        assert _errors(response, "photo") == [gettext(expected.replace(name, "%(name)s")) % {"name": name}]
    assert 'data-testid="error-photo"' in response.content.decode()
    assert UnificationAssessment.objects.count() == 0


def test_a_photo_over_the_size_limit_is_refused(shop, client_a, monkeypatch):
    monkeypatch.setattr(store_views, "PHOTO_MAX_MB", 1)
    big = PNG + b"\x00" * (1024 * 1024)
    response = client_a.post(
        "/supply/stores/assessments/new/",
        _assessment_post(shop.outlet, photo=SimpleUploadedFile("big.png", big)),
    )
    assert response.status_code == 200
    [message] = _errors(response, "photo")
    assert "1.0" in message and "1 MB" in message
    assert UnificationAssessment.objects.count() == 0


def test_webp_and_png_photos_are_accepted(shop, client_a):
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
    for name, content in [("a.webp", webp), ("b.png", PNG)]:
        response = client_a.post(
            "/supply/stores/assessments/new/",
            _assessment_post(shop.outlet, photo=SimpleUploadedFile(name, content)),
        )
        assert response.status_code == 302, response.context["form"].errors
    assert sorted(a.photo.name.rsplit(".", 1)[1] for a in UnificationAssessment.objects.all()) == [
        "png",
        "webp",
    ]


def test_an_assessment_needs_a_date_not_in_the_future_and_an_assessor(shop, client_a):
    tomorrow = clock.today() + dt.timedelta(days=1)
    response = client_a.post(
        "/supply/stores/assessments/new/",
        _assessment_post(shop.outlet, assessed_on=tomorrow.isoformat(), assessed_by=""),
    )
    assert response.status_code == 200
    with override("zh-hans"):
        assert _errors(response, "assessed_on") == [gettext("The assessment date cannot be in the future.")]
    assert _errors(response, "assessed_by")
    assert UnificationAssessment.objects.count() == 0


def test_only_chain_stores_are_assessed(shop, client_a):
    shop.outlet.kind = Outlet.Kind.DIRECT_STORE
    shop.outlet.save()
    response = client_a.post("/supply/stores/assessments/new/", _assessment_post(shop.outlet))
    assert response.status_code == 200
    assert _errors(response, "outlet")
    assert UnificationAssessment.objects.count() == 0


def test_editing_keeps_the_photo_unless_a_new_one_is_chosen(shop, client_a, assessment_a):
    name = assessment_a.photo.name
    response = client_a.post(
        f"/supply/stores/assessments/{assessment_a.pk}/edit/",
        _assessment_post(shop.outlet, assessed_on="2022-11-15", sales_system="on"),
    )
    assert response.status_code == 302
    assessment_a.refresh_from_db()
    assert assessment_a.photo.name == name
    assert assessment_a.meets_all


def test_replacing_the_photo_deletes_the_old_file_after_commit(
    shop, client_a, assessment_a, django_capture_on_commit_callbacks
):
    old = assessment_a.photo
    storage, old_name = old.storage, old.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            f"/supply/stores/assessments/{assessment_a.pk}/edit/",
            _assessment_post(shop.outlet, photo=SimpleUploadedFile("new.jpg", JPEG)),
        )
    assert response.status_code == 302
    assessment_a.refresh_from_db()
    assert assessment_a.photo.name != old_name and assessment_a.photo.name.endswith(".jpg")
    assert not storage.exists(old_name)
    assert storage.exists(assessment_a.photo.name)


@pytest.mark.parametrize("who,status", [("a", 200), ("leader", 200), ("b", 404)])
def test_the_photo_is_served_only_to_those_who_may_see_the_assessment(
    shop, assessment_a, leader_client, client_a, client_b, who, status
):
    client = {"a": client_a, "leader": leader_client, "b": client_b}[who]
    response = client.get(f"/supply/stores/assessments/{assessment_a.pk}/photo/")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG


def test_the_photo_is_not_served_to_anonymous_or_without_permission(shop, assessment_a):
    anonymous = Client().get(f"/supply/stores/assessments/{assessment_a.pk}/photo/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    fund_manager = make_user("fund_a", shop.county.coop_a, roles.FUND_MANAGER)
    assert (
        _client(fund_manager).get(f"/supply/stores/assessments/{assessment_a.pk}/photo/").status_code == 404
    )
    # and MEDIA_URL is not served at all
    assert _client(shop.county.leader).get("/media/" + assessment_a.photo.name).status_code == 404


def test_no_photo_means_404(shop, client_a, assessment_a):
    assessment_a.photo = ""
    assessment_a.save()
    assert client_a.get(f"/supply/stores/assessments/{assessment_a.pk}/photo/").status_code == 404


@pytest.mark.parametrize("who,sees", [("leader", True), ("a", True), ("b", False)])
def test_assessment_list_detail_and_export_are_scoped(
    shop, assessment_a, leader_client, client_a, client_b, who, sees
):
    client = {"leader": leader_client, "a": client_a, "b": client_b}[who]
    assert (shop.outlet.name in client.get("/supply/stores/assessments/").content.decode()) is sees
    assert client.get(f"/supply/stores/assessments/{assessment_a.pk}/").status_code == (200 if sees else 404)
    names = [row[0] for row in _sheet(client.get("/supply/stores/assessments/?export=xlsx"))[1:]]
    assert (shop.outlet.name in names) is sees


def test_clerk_b_cannot_edit_or_add_to_coop_as_assessments(shop, assessment_a, store_b, client_b):
    before = _assessments()
    assert client_b.get(f"/supply/stores/assessments/{assessment_a.pk}/edit/").status_code == 404
    response = client_b.post(
        f"/supply/stores/assessments/{assessment_a.pk}/edit/", _assessment_post(store_b, note="改了")
    )
    assert response.status_code == 404
    response = client_b.post("/supply/stores/assessments/new/", _assessment_post(shop.outlet))
    assert response.status_code == 200
    assert _errors(response, "outlet")
    assert _assessments() == before


def test_leader_reads_assessments_but_does_not_write(shop, assessment_a, leader_client):
    before = _assessments()
    assert leader_client.get("/supply/stores/assessments/new/").status_code == 403
    assert (
        leader_client.post("/supply/stores/assessments/new/", _assessment_post(shop.outlet)).status_code
        == 403
    )
    assert (
        leader_client.post(
            f"/supply/stores/assessments/{assessment_a.pk}/edit/", _assessment_post(shop.outlet)
        ).status_code
        == 403
    )
    assert _assessments() == before


def test_assessment_list_shows_checks_and_filters_on_meeting_all_five(
    shop, assessment_a, store_b, client_a, leader_client
):
    UnificationAssessment.objects.create(
        outlet=store_b,
        assessed_on=dt.date(2022, 11, 16),
        assessed_by="县供销社业务科",
        signage=True,
        rules=True,
        zoning=False,
        distribution=True,
        sales_system=False,
    )
    sheet = _sheet(leader_client.get("/supply/stores/assessments/?export=xlsx&sort=outlet__code"))
    assert [row[:9] for row in sheet[1:]] == [
        [shop.outlet.name, dt.date(2022, 11, 15), "县供销社业务科", "✓", "✓", "✓", "✓", "✓", "5/5"],
        [store_b.name, dt.date(2022, 11, 16), "县供销社业务科", "✓", "✓", "✗", "✓", "✗", "3/5"],
    ]

    def names(client, query):
        return [row[0] for row in _sheet(client.get(f"/supply/stores/assessments/?{query}&export=xlsx"))[1:]]

    assert names(leader_client, "meets_all=true") == [shop.outlet.name]
    assert names(leader_client, "meets_all=false") == [store_b.name]
    assert names(client_a, "meets_all=false") == []
    assert names(leader_client, "has_photo=true") == [shop.outlet.name]
    assert names(leader_client, "sort=met") == [store_b.name, shop.outlet.name]
    assert names(leader_client, "q=溪口") == [store_b.name]
    page = leader_client.get("/supply/stores/assessments/").content.decode()
    assert "✗" in page and "3/5" in page


def test_new_assessment_form_starts_with_the_store_of_the_link(shop, client_a, store_b):
    form = client_a.get(f"/supply/stores/assessments/new/?outlet={shop.outlet.pk}").context["form"]
    assert form.initial["outlet"] == shop.outlet
    # a store the user may not see is not offered
    form = client_a.get(f"/supply/stores/assessments/new/?outlet={store_b.pk}").context["form"]
    assert form.initial["outlet"] is None
    assert list(form.fields["outlet"].queryset) == [shop.outlet]


def test_store_clerk_sees_the_assessments_of_their_store(shop, assessment_a):
    clerk = make_user("store_1", shop.county.coop_a, roles.STORE_CLERK)
    client = _client(clerk)
    assert client.get(f"/supply/stores/assessments/{assessment_a.pk}/").status_code == 200
    assert client.get(f"/supply/stores/assessments/{assessment_a.pk}/photo/").status_code == 200
    assert client.get("/supply/stores/assessments/new/").status_code == 403


# ---------------------------------------------------------------- licences


def test_clerk_adds_a_licence_through_the_page(shop, store_b, client_b):
    response = client_b.post("/supply/stores/licences/new/", _licence_post(store_b, covers_restricted="on"))
    licence = PesticideLicence.objects.get(outlet=store_b)
    assert response.status_code == 302
    assert response["Location"] == f"/supply/stores/licences/{licence.pk}/"
    assert (licence.number, licence.covers_restricted) == ("农药经许（浙）33032700002", True)
    assert (licence.valid_from, licence.valid_to) == (dt.date(2024, 1, 1), dt.date(2028, 12, 31))
    assert licence.history.get().history_user == shop.county.clerk_b


@pytest.mark.parametrize(
    "changes,field,expected",
    [
        ({"valid_to": "2023-12-31"}, "valid_to", "must not be before the start date"),
        ({"number": "  "}, "number", "Enter the licence number as printed on it."),
        (
            {"valid_to": "2029-01-01"},
            "valid_to",
            "A pesticide business licence is valid for at most %(years)s years: from %(start)s it ends on %(last)s at the latest.",
        ),
    ],
)
def test_licence_validation_messages(shop, store_b, client_b, changes, field, expected):
    response = client_b.post("/supply/stores/licences/new/", _licence_post(store_b, **changes))
    assert response.status_code == 200
    with override("zh-hans"):
        message = gettext(expected) % {"years": 5, "start": "2024-01-01", "last": "2028-12-31"}
        assert _errors(response, field) == [message]
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert not PesticideLicence.objects.filter(outlet=store_b).exists()


def test_five_years_to_the_day_before_is_accepted(shop, store_b, client_b):
    response = client_b.post(
        "/supply/stores/licences/new/", _licence_post(store_b, valid_from="2024-02-29", valid_to="2029-02-27")
    )
    assert response.status_code == 302


def test_editing_a_licence_is_recorded_in_its_history(shop, client_a):
    licence = shop.licence
    response = client_a.post(
        f"/supply/stores/licences/{licence.pk}/edit/",
        _licence_post(shop.outlet, number=licence.number, covers_restricted="on"),
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.covers_restricted and licence.valid_to == dt.date(2028, 12, 31)
    assert licence.outlet == shop.outlet
    assert [h.history_type for h in licence.history.all()] == ["~", "+"]
    assert licence.history.first().history_user == shop.county.clerk_a
    page = client_a.get(f"/supply/stores/licences/{licence.pk}/").content.decode()
    assert "clerk_a" in page


def test_the_store_of_a_licence_cannot_be_changed_by_editing(shop, store_b, client_a):
    office_store = Outlet.objects.create(
        organization=shop.county.coop_a,
        code="CS-03",
        name="桥头二店",
        kind=Outlet.Kind.CHAIN_STORE,
        region=shop.county.town,
        location=shop.warehouse_a,
    )
    client_a.post(
        f"/supply/stores/licences/{shop.licence.pk}/edit/",
        _licence_post(office_store, number=shop.licence.number),
    )
    shop.licence.refresh_from_db()
    assert shop.licence.outlet == shop.outlet


def test_a_renewal_is_a_new_licence_starting_the_day_after(shop, client_a):
    old = shop.licence
    old.valid_from, old.valid_to = dt.date(2019, 1, 1), dt.date(2023, 12, 31)
    old.save()
    form = client_a.get(f"/supply/stores/licences/new/?renews={old.pk}").context["form"]
    assert form.initial["valid_from"] == dt.date(2024, 1, 1)
    assert form.initial["valid_to"] == dt.date(2028, 12, 31)
    assert form.initial["outlet"] == shop.outlet
    response = client_a.post("/supply/stores/licences/new/", _licence_post(shop.outlet, number=old.number))
    assert response.status_code == 302
    assert shop.outlet.licences.count() == 2
    old.refresh_from_db()
    assert old.valid_to == dt.date(2023, 12, 31)
    sheet = _sheet(client_a.get("/supply/stores/licences/?export=xlsx"))
    assert [(row[0], row[4], row[5]) for row in sheet[1:]] == [
        ("CS-01", dt.date(2024, 1, 1), dt.date(2028, 12, 31))
    ]


def test_licence_list_shows_status_days_left_and_stores_without_licence(
    shop, store_b, leader_client, settings
):
    settings.LICENCE_WARNING_DAYS = 90
    today = clock.today()
    shop.licence.valid_from = today - dt.timedelta(days=1000)
    shop.licence.valid_to = today + dt.timedelta(days=30)
    shop.licence.save()
    expired_store = Outlet.objects.create(
        organization=shop.county.coop_b,
        code="CS-03",
        name="溪口二店",
        kind=Outlet.Kind.DIRECT_STORE,
        region=shop.county.town,
    )
    PesticideLicence.objects.create(
        outlet=expired_store,
        number="农药经许（浙）33032700003",
        valid_from=today - dt.timedelta(days=800),
        valid_to=today - dt.timedelta(days=1),
    )
    Outlet.objects.create(  # a service coop without licence is not a store: not listed
        organization=shop.county.coop_b,
        code="VS-01",
        name="下村综合服务社",
        kind=Outlet.Kind.VILLAGE_SERVICE,
        region=shop.county.village_b,
    )
    sheet = _sheet(leader_client.get("/supply/stores/licences/?export=xlsx"))
    with override("zh-hans"):
        rows = {row[0]: (row[6], row[7]) for row in sheet[1:]}
        assert rows == {
            "CS-02": (gettext("no licence"), ""),
            "CS-03": (gettext("expired"), ""),
            "CS-01": (gettext("%(d)s days left") % {"d": 30}, 30),
        }
    # the most urgent first
    assert [row[0] for row in sheet[1:]] == ["CS-02", "CS-03", "CS-01"]

    def codes(query):
        return [
            row[0] for row in _sheet(leader_client.get(f"/supply/stores/licences/?{query}&export=xlsx"))[1:]
        ]

    assert codes("status=expiring") == ["CS-01"]
    assert codes("status=none") == ["CS-02"]
    assert codes("status=valid") == []
    assert codes("q=33032700003") == ["CS-03"]
    page = leader_client.get("/supply/stores/licences/").content.decode()
    assert 'data-status="expiring"' in page and 'data-status="none"' in page


@pytest.mark.parametrize("who,sees", [("leader", True), ("a", True), ("b", False)])
def test_licence_list_detail_and_export_are_scoped(
    shop, store_b, leader_client, client_a, client_b, who, sees
):
    client = {"leader": leader_client, "a": client_a, "b": client_b}[who]
    assert (shop.licence.number in client.get("/supply/stores/licences/").content.decode()) is sees
    assert client.get(f"/supply/stores/licences/{shop.licence.pk}/").status_code == (200 if sees else 404)
    codes = [row[0] for row in _sheet(client.get("/supply/stores/licences/?export=xlsx"))[1:]]
    assert ("CS-01" in codes) is sees
    assert ("CS-02" in codes) is (who != "a")


def test_clerk_b_cannot_edit_renew_or_add_coop_as_licences(shop, store_b, client_b):
    before = _licences()
    licence = shop.licence
    assert client_b.get(f"/supply/stores/licences/{licence.pk}/edit/").status_code == 404
    response = client_b.post(
        f"/supply/stores/licences/{licence.pk}/edit/", _licence_post(store_b, number="改号")
    )
    assert response.status_code == 404
    form = client_b.get(f"/supply/stores/licences/new/?renews={licence.pk}").context["form"]
    assert "number" not in form.initial
    response = client_b.post("/supply/stores/licences/new/", _licence_post(shop.outlet))
    assert response.status_code == 200
    assert _errors(response, "outlet")
    assert _licences() == before


def test_leader_reads_licences_but_does_not_write(shop, leader_client):
    before = _licences()
    assert leader_client.get("/supply/stores/licences/new/").status_code == 403
    assert leader_client.post("/supply/stores/licences/new/", _licence_post(shop.outlet)).status_code == 403
    assert (
        leader_client.post(
            f"/supply/stores/licences/{shop.licence.pk}/edit/", _licence_post(shop.outlet)
        ).status_code
        == 403
    )
    page = leader_client.get(f"/supply/stores/licences/{shop.licence.pk}/").content.decode()
    assert 'data-testid="renew"' not in page and 'data-testid="edit"' not in page
    assert _licences() == before


def test_store_pages_do_not_query_per_row(shop, client_a, django_assert_max_num_queries):
    for number in range(20):
        outlet = Outlet.objects.create(
            organization=shop.county.coop_a,
            code=f"CS-1{number:02d}",
            name=f"连锁门店{number}",
            kind=Outlet.Kind.CHAIN_STORE,
            region=shop.county.town,
        )
        UnificationAssessment.objects.create(
            outlet=outlet, assessed_on=dt.date(2022, 11, 1), assessed_by="科"
        )
        PesticideLicence.objects.create(
            outlet=outlet, number=f"N{number}", valid_from=dt.date(2022, 1, 1), valid_to=dt.date(2026, 12, 31)
        )
    for url in ["/supply/stores/assessments/", "/supply/stores/licences/"]:
        with django_assert_max_num_queries(12):
            assert client_a.get(url).status_code == 200
