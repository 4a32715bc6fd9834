"""AlertmanagerClient: request shapes and parsing of real Alertmanager responses."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from obsctl.alerts.client import Alert, PostableAlert, Silence, SilenceMatcher, iso
from obsctl.alerts.matchers import parse_matcher
from obsctl.core.errors import AuthError, BackendError, UsageError

from .conftest import fixture_json

T0 = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)


def flat_alerts() -> list[dict]:
    """The flat /api/v2/alerts list: the same gettableAlert objects the groups capture holds."""
    seen: dict[str, dict] = {}
    for group in fixture_json("alerts_groups_0.31.0.json"):
        for alert in group["alerts"]:
            seen.setdefault(alert["fingerprint"], alert)
    return list(seen.values())


def test_alerts_request_carries_filters_and_state_flags(make_client):
    client, seen = make_client(lambda r: httpx.Response(200, json=flat_alerts()))
    alerts = client.alerts(['alertname="Host_Down"', 'cluster=~"prod|dev"'], silenced=False, receiver="by-.*")
    request = seen[0]
    assert request.method == "GET"
    assert request.url.path == "/api/v2/alerts"
    assert request.url.params.get_list("filter") == ['alertname="Host_Down"', 'cluster=~"prod|dev"']
    assert request.url.params["active"] == "true"
    assert request.url.params["silenced"] == "false"
    assert request.url.params["inhibited"] == "true"
    assert request.url.params["receiver"] == "by-.*"
    assert len(alerts) == len(flat_alerts())


def test_alert_parsing_of_a_real_silenced_alert():
    raw = next(a for a in flat_alerts() if a["fingerprint"] == "54c2f185e49cfccb")
    alert = Alert.from_api(raw)
    assert alert.state == "suppressed"
    assert alert.silenced_by == ("810ccf7f-c957-474a-b383-7e76d66a4d3b",)
    assert alert.receivers == ("by-cluster-service", "by-name")
    assert alert.annotations["summary"] == "Example summary"
    doc = alert.to_json()
    assert list(doc) == [
        "fingerprint",
        "alertname",
        "state",
        "labels",
        "annotations",
        "receivers",
        "starts_at",
        "ends_at",
        "updated_at",
        "silenced_by",
        "inhibited_by",
        "muted_by",
        "generator_url",
    ]
    assert doc["starts_at"] == "2026-03-11T12:48:38.413Z"
    assert doc["generator_url"] == "http://localhost/prometheus"


def test_silences_parse_with_matcher_text(make_client):
    client, _ = make_client(lambda r: httpx.Response(200, json=fixture_json("silences_0.31.0.json")))
    silences = client.silences()
    assert silences[1].id == "dcb3b5d0-9f10-4baa-977a-70073a1899bd"
    assert silences[1].matcher_text == 'alertname="Host_Down", cluster="dev"'
    assert silences[1].created_by == "john@example.com"
    assert silences[1].to_json()["ends_at"] == "2063-01-01T00:00:00Z"


def test_silence_matcher_round_trip_of_all_four_operators():
    for text, op in [('a="x"', "="), ('a!="x"', "!="), ('a=~"x.*"', "=~"), ('a!~"x.*"', "!~")]:
        sm = SilenceMatcher.from_matcher(parse_matcher(text))
        assert sm.op == op
        assert str(sm) == text
    assert SilenceMatcher.from_matcher(parse_matcher('a!~"x"')).to_api() == {
        "name": "a",
        "value": "x",
        "isRegex": True,
        "isEqual": False,
    }


def test_old_servers_without_is_equal_mean_equal():
    s = Silence.from_api(
        {
            "id": "x",
            "status": {"state": "active"},
            "matchers": [{"name": "a", "value": "b", "isRegex": False}],
        }
    )
    assert str(s.matchers[0]) == 'a="b"'


def test_create_silence_posts_rfc3339_and_returns_the_id(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"silenceID": "0233507a-f18d-4b01-98ae-484dfd0b8527"})

    client, seen = make_client(handler)
    silence_id = client.create_silence(
        [SilenceMatcher("alertname", "X")], starts_at=T0, ends_at=T0, created_by="me", comment="why"
    )
    assert silence_id == "0233507a-f18d-4b01-98ae-484dfd0b8527"
    body = json.loads(seen[0].content)
    assert body == {
        "matchers": [{"name": "alertname", "value": "X", "isRegex": False, "isEqual": True}],
        "startsAt": "2026-01-02T03:04:05.123456Z",
        "endsAt": "2026-01-02T03:04:05.123456Z",
        "createdBy": "me",
        "comment": "why",
    }


def test_post_alerts_body_without_starts_at_when_resolving(make_client):
    client, seen = make_client(lambda r: httpx.Response(200))
    client.post_alerts([PostableAlert({"alertname": "X"}, ends_at=T0)])
    assert json.loads(seen[0].content) == [
        {"labels": {"alertname": "X"}, "endsAt": "2026-01-02T03:04:05.123456Z"}
    ]


def test_config_text_comes_from_status(make_client):
    client, _ = make_client(lambda r: httpx.Response(200, json=fixture_json("status_0.27.0.json")))
    assert client.config_text().startswith("global:\n  resolve_timeout: 5m\n")


def test_path_prefix_for_mimir(make_client):
    client, seen = make_client(lambda r: httpx.Response(200, json=[]), path_prefix="/alertmanager")
    client.silences()
    assert seen[0].url.path == "/alertmanager/api/v2/silences"


def test_expire_unknown_silence_is_a_usage_error(make_client):
    # Alertmanager 0.25 answers 500 "silence not found" for an unknown ID.
    client, _ = make_client(lambda r: httpx.Response(500, json="silence not found"))
    with pytest.raises(UsageError) as err:
        client.expire_silence("00000000-0000-0000-0000-000000000000")
    assert err.value.message == (
        "no silence with ID 00000000-0000-0000-0000-000000000000 in alertmanager at http://am.test:9093"
    )


def test_ids_are_checked_before_any_request(make_client):
    client, seen = make_client(lambda r: httpx.Response(200))
    with pytest.raises(UsageError) as err:
        client.expire_silence("nope")
    assert "'nope' is not a silence ID" in err.value.message
    assert seen == []


def test_server_error_message_is_passed_on(make_client):
    client, _ = make_client(
        lambda r: httpx.Response(
            400, json="silence invalid: at least one matcher must not match the empty string"
        )
    )
    with pytest.raises(BackendError) as err:
        client.create_silence(
            [SilenceMatcher("a", ".*", is_regex=True)], starts_at=T0, ends_at=T0, created_by="x", comment="y"
        )
    assert err.value.message.endswith(
        "answered 400: silence invalid: at least one matcher must not match the empty string"
    )


def test_auth_errors_map_to_exit_4(make_client):
    client, _ = make_client(lambda r: httpx.Response(401, text="Unauthorized"))
    with pytest.raises(AuthError):
        client.alerts()


def test_malformed_answer_is_a_backend_error(make_client):
    client, _ = make_client(lambda r: httpx.Response(200, json={"not": "a list"}))
    with pytest.raises(BackendError) as err:
        client.alerts()
    assert err.value.message == "alertmanager /api/v2/alerts returned a malformed response: not a list"


def test_iso_uses_milliseconds_like_alertmanager():
    assert iso(T0) == "2026-01-02T03:04:05.123Z"
    assert iso(T0.replace(microsecond=0)) == "2026-01-02T03:04:05Z"
    assert iso(None) is None
