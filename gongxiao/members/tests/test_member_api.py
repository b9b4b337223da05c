import json
import re

from django.test import Client

from gongxiao.core.models import ApiToken
from gongxiao.members.models import Member
from gongxiao.members.tests.factories import member, member_row


def _post(client, url, data, key):
    return client.post(
        url, json.dumps(data), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def _payload(county, **extra):
    data = {
        "kind": "household",
        "name": "赵六",
        "id_number": member_row(6)[2],
        "phone": "13900000006",
        "village_code": county.village_a.code,
        "industries": ["tea", "水果"],
        "land_area_mu": "2.50",
    }
    data.update(extra)
    return data


def test_create_member_through_the_api(county):
    _token, key = ApiToken.issue(county.clerk_a, "test")
    response = _post(Client(), "/api/members", _payload(county), key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["industries"] == ["tea", "fruit"]
    assert body["organization_id"] == county.coop_a.pk
    assert Member.objects.get().pinyin == "zl"


def test_bad_id_number_gets_a_chinese_message_naming_the_field(county):
    _token, key = ApiToken.issue(county.clerk_a, "test")
    response = _post(Client(), "/api/members", _payload(county, id_number="330327198503021230"), key)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["field"] == "id_number"
    assert "证件号码" in errors[0]["message"] or "校验位" in errors[0]["message"]
    assert Member.objects.count() == 0


def test_schema_errors_are_in_chinese(county):
    _token, key = ApiToken.issue(county.clerk_a, "test")
    data = _payload(county)
    del data["name"]
    data["land_area_mu"] = "many"
    response = _post(Client(), "/api/members", data, key)
    assert response.status_code == 422
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "必填" in messages["name"]
    assert "数字" in messages["land_area_mu"]


def test_duplicate_id_number_is_refused(county):
    existing = member(county, county.coop_a)
    _token, key = ApiToken.issue(county.clerk_a, "test")
    response = _post(Client(), "/api/members", _payload(county, id_number=existing.id_number), key)
    assert response.status_code == 422
    assert "张建国" in response.json()["errors"][0]["message"]
    assert Member.objects.count() == 1


def test_revoked_token_no_longer_works(county):
    token, key = ApiToken.issue(county.clerk_a, "test")
    client = Client()
    assert client.get("/api/members", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token.revoke()
    assert client.get("/api/members", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_tokens_page_shows_the_key_once_and_revokes(county, client_a):
    response = client_a.post("/base/tokens/", {"name": "手机"})
    key = response.context["new_key"]
    assert key.startswith("gx_")
    assert ApiToken.objects.get().digest == ApiToken.hash(key)
    assert key not in client_a.get("/base/tokens/").content.decode()
    token = ApiToken.objects.get()
    client_a.post(f"/base/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_clerk_cannot_revoke_another_users_token(county, client_b):
    token, _key = ApiToken.issue(county.clerk_a, "a")
    assert client_b.post(f"/base/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_session_api_write_needs_csrf(county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.clerk_a)
    response = client.post("/api/members", json.dumps(_payload(county)), content_type="application/json")
    assert response.status_code in (401, 403)
    assert Member.objects.count() == 0


def test_organizations_and_regions(county):
    _token, key = ApiToken.issue(county.clerk_a, "test")
    client = Client()
    orgs = client.get("/api/organizations", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert [o["code"] for o in orgs] == ["QS-A"]
    regions = client.get("/api/regions?level=village", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert {r["code"] for r in regions} == {county.village_a.code, county.village_b.code}


def test_openapi_schema_is_served(county, client_a):
    response = client_a.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/members" in response.json()["paths"]


def test_api_docs_are_served_without_a_cdn(county, client_a):
    html = client_a.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []
