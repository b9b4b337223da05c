"""Entries made offline on the crew's phone, sent later: each one applied exactly once, refusals with a
message on the entry, never lost."""

import json
import uuid

import pytest
from django.test import Client

from gongxiao.caravan.models import ProducePurchase, StopSale, SyncEntry, Trip, TripStop
from gongxiao.caravan.testing import fleet
from gongxiao.commerce.models import Document
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive
from gongxiao.core.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def trucks(county):
    return fleet(county)


def _client(user, csrf=False):
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def _entry(kind, trip, stop=None, **data):
    return {
        "uuid": str(uuid.uuid4()),
        "kind": kind,
        "trip_id": trip.pk,
        "stop_id": stop.pk if stop else None,
        "recorded_at": "2022-06-07T10:15:00+08:00",
        "data": data,
    }


def _send(client, entries, **extra):
    return client.post(
        "/api/caravan/sync", json.dumps({"entries": entries}), content_type="application/json", **extra
    )


def _batch(trucks):
    trip = trucks.trip_a
    first = TripStop.objects.get(trip=trip, position=1)
    return [
        _entry("start_trip", trip, odometer_start="12000.0"),
        _entry("arrive", trip, first),
        _entry(
            "sale",
            trip,
            first,
            lines=[{"product_id": trucks.soap.pk, "quantity": "2", "unit_price": "3.50"}],
            payment_method="cash",
        ),
        _entry(
            "purchase",
            trip,
            first,
            product_id=trucks.eggs.pk,
            weight_jin="10",
            price_per_jin="8",
            payment_method="cash",
            member_id=trucks.farmer_a.pk,
        ),
        _entry("close_stop", trip, first, people_served=23),
        _entry("end_trip", trip, odometer_end="12064.5"),
    ]


def test_a_batch_sent_twice_is_stored_once(trucks):
    # given: the phone sends its day, the answer is lost, it sends the same entries again
    client = _client(trucks.crew_a)
    batch = _batch(trucks)
    first = _send(client, batch)
    # when
    again = _send(client, batch)
    # then
    assert first.status_code == 200 and again.status_code == 200
    assert [a["status"] for a in first.json()["answers"]] == ["accepted"] * 6
    assert [a["repeat"] for a in first.json()["answers"]] == [False] * 6
    assert [a["status"] for a in again.json()["answers"]] == ["accepted"] * 6
    assert [a["repeat"] for a in again.json()["answers"]] == [True] * 6
    assert again.json()["answers"][2]["result"] == first.json()["answers"][2]["result"]
    assert StopSale.objects.count() == 1
    assert ProducePurchase.objects.count() == 1
    assert Document.objects.filter(channel="truck", kind="sale").count() == 1
    assert on_hand(trucks.goods_a.location, trucks.soap) == 98
    assert SyncEntry.objects.count() == 6
    assert set(SyncEntry.objects.values_list("attempts", flat=True)) == {2}
    trip = Trip.objects.get(pk=trucks.trip_a.pk)
    assert trip.status == Trip.Status.DONE and trip.distance_km == 64.5
    assert TripStop.objects.get(trip=trip, position=1).people_served == 23


def test_the_sale_document_carries_the_phones_entry_id(trucks):
    client = _client(trucks.crew_a)
    batch = _batch(trucks)
    _send(client, batch)
    assert Document.objects.get(kind="sale", channel="truck").external_id == batch[2]["uuid"]


def test_stock_no_longer_there_comes_back_as_a_message_on_the_entry(trucks):
    # given: the phone thought 20 bags of rice were on the truck; 15 were sold at the depot meanwhile
    client = _client(trucks.crew_a)
    stop = TripStop.objects.get(trip=trucks.trip_a, position=1)
    sale = _entry(
        "sale",
        trucks.trip_a,
        stop,
        lines=[{"product_id": trucks.rice.pk, "quantity": "20"}],
        payment_method="cash",
    )
    close = _entry("close_stop", trucks.trip_a, stop, people_served=5)
    from gongxiao.caravan import actions

    actions.record_sale(trucks.crew_a, stop, [actions.SaleLine(trucks.rice.pk, 15)], "cash")
    # when
    answers = _send(client, [sale, close]).json()["answers"]
    # then: the sale is refused with the stock on the truck in its message; the next entry still goes in
    assert answers[0]["status"] == "refused"
    assert "大米" in answers[0]["message"] and "5" in answers[0]["message"]
    assert answers[1]["status"] == "accepted"
    assert StopSale.objects.count() == 1  # only the depot's sale
    stored = SyncEntry.objects.get(uuid=sale["uuid"])
    assert stored.status == SyncEntry.Status.REFUSED and stored.message == answers[0]["message"]
    # when the crew sends it again after a refill, it goes in, once
    receive(trucks.trade, trucks.goods_a.location, trucks.rice, "30", "24")
    retried = _send(client, [sale]).json()["answers"][0]
    assert retried["status"] == "accepted" and retried["repeat"] is False
    assert _send(client, [sale]).json()["answers"][0]["repeat"] is True
    assert StopSale.objects.count() == 2
    assert SyncEntry.objects.get(uuid=sale["uuid"]).attempts == 3


def test_a_refused_entry_writes_nothing(trucks):
    client = _client(trucks.crew_a)
    stop = TripStop.objects.get(trip=trucks.trip_a, position=1)
    before = (Document.objects.count(), ProducePurchase.objects.count())
    answer = _send(
        client,
        [
            _entry(
                "purchase",
                trucks.trip_a,
                stop,
                product_id=trucks.eggs.pk,
                weight_jin="10",
                price_per_jin="8",
                payment_method="cash",
                new_member={
                    "name": "赵某",
                    "id_number": "330327198501011234",
                    "phone": "1",
                    "village_id": None,
                },
            )
        ],
    ).json()["answers"][0]
    assert answer["status"] == "refused" and answer["message"]
    assert (Document.objects.count(), ProducePurchase.objects.count()) == before
    assert TripStop.objects.get(pk=stop.pk).status == TripStop.Status.PLANNED


def test_entries_for_another_vehicles_trip_are_refused(trucks):
    client = _client(trucks.crew_b)
    stop = TripStop.objects.get(trip=trucks.trip_a, position=1)
    answer = _send(
        client,
        [
            _entry(
                "sale",
                trucks.trip_a,
                stop,
                lines=[{"product_id": trucks.soap.pk, "quantity": "1"}],
                payment_method="cash",
            )
        ],
    ).json()["answers"][0]
    assert answer["status"] == "refused"
    assert not StopSale.objects.exists()
    assert not SyncEntry.objects.exists()


def test_an_entry_of_another_user_is_not_answered_with_their_result(trucks, county):
    batch = _batch(trucks)[:1]
    _send(_client(trucks.crew_a), batch)
    answer = _send(_client(county.clerk_a), batch).json()["answers"][0]
    assert answer["status"] == "refused" and answer["result"] == {}


def test_the_sync_needs_the_csrf_token_with_a_session(trucks):
    client = _client(trucks.crew_a, csrf=True)
    response = _send(client, _batch(trucks)[:1])
    assert response.status_code in (401, 403)
    assert not SyncEntry.objects.exists()
    client.get("/caravan/phone/")
    token = client.cookies["csrftoken"].value
    assert _send(client, _batch(trucks)[:1], HTTP_X_CSRFTOKEN=token).status_code == 200


def test_the_sync_takes_the_users_api_token(trucks):
    _token, key = ApiToken.issue(trucks.crew_a, "phone")
    response = Client().post(
        "/api/caravan/sync",
        json.dumps({"entries": _batch(trucks)[:2]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    assert [a["status"] for a in response.json()["answers"]] == ["accepted", "accepted"]


def test_a_malformed_entry_is_refused_with_the_field_named(trucks):
    stop = TripStop.objects.get(trip=trucks.trip_a, position=1)
    answer = _send(
        _client(trucks.crew_a),
        [
            _entry(
                "purchase",
                trucks.trip_a,
                stop,
                product_id=trucks.eggs.pk,
                weight_jin="abc",
                price_per_jin="8",
                payment_method="cash",
            )
        ],
    ).json()["answers"][0]
    assert answer["status"] == "refused"
    assert "weight_jin" in answer["message"]


def test_the_phone_bundle_has_the_day_of_the_crews_own_truck_only(trucks, county):
    from gongxiao.core import clock

    with clock.travel(__import__("datetime").datetime(2022, 6, 7, 7, 0)):
        data = _client(trucks.crew_a).get("/api/caravan/phone/bundle").json()
    assert [t["id"] for t in data["trips"]] == [trucks.trip_a.pk]
    trip = data["trips"][0]
    assert [s["name"] for s in trip["stops"]] == ["上村", "下村"]
    assert {line["name"] for line in trip["stock"]} == {"肥皂", "大米", "复合肥"}
    assert {m["name"] for m in trip["members"]} == {"张建国", "李秀英"}  # both villages, whichever coop
    assert all(len(m["id_tail"]) == 4 for m in trip["members"])
    assert {p["name"]: p["price_per_jin"] for p in data["produce"]} == {"土鸡蛋": "8", "茶青": "20"}
