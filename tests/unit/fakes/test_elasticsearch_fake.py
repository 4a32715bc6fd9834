"""The fake Elasticsearch must satisfy the official client (elasticsearch-py 8) and answer raw
HTTP exactly like the real server: headers, bodies, error envelopes, compat media types."""

# ruff: noqa: F811 - pytest fixtures are imported by name and then requested as arguments
from __future__ import annotations

import json

import elasticsearch
import httpx
import pytest
from elasticsearch import Elasticsearch, helpers

from tests.fakes import FakeElasticsearch, fake_es, make_fake_es  # noqa: F401 - pytest fixtures

DOCS = [
    {"@timestamp": "2024-05-01T10:00:00Z", "log.level": "info", "message": "started", "n": 1},
    {"@timestamp": "2024-05-01T10:00:02Z", "log": {"level": "error"}, "message": "disk full", "n": 2},
    {"@timestamp": "2024-05-01T10:00:01Z", "log.level": "warn", "message": "slow disk", "n": 3},
    {"@timestamp": "2024-05-01T10:00:03Z", "log.level": "info", "message": "stopped", "n": 4},
    {"@timestamp": "2024-05-01T10:00:04Z", "log.level": "info", "message": "again", "n": 5},
]


def client(url: str, **kwargs: object) -> Elasticsearch:
    return Elasticsearch(url, max_retries=0, retry_on_status=(), **kwargs)  # type: ignore[arg-type]


# --- the official client ------------------------------------------------------------------------


@pytest.mark.parametrize(("flavor", "number"), [("es8", "8.12.1"), ("es9", "9.1.0")])
def test_info_and_ping_through_the_official_client(make_fake_es, flavor, number):
    es = make_fake_es(flavor)
    with client(es.url) as c:
        info = c.info()
        assert info["version"]["number"] == number
        assert info["tagline"] == "You Know, for Search"
        assert info["version"]["build_flavor"] == "default"
        assert c.ping() is True


def test_es7_root_body_and_the_8x_client_refused_as_real_7x_does(make_fake_es):
    es = make_fake_es("es7")
    info = httpx.get(es.url + "/").json()
    assert info["version"]["number"] == "7.17.18"
    assert info["version"]["minimum_wire_compatibility_version"] == "6.8.0"
    with client(es.url) as c:  # 8.x sends compatible-with=8, which a 7.x server does not speak
        with pytest.raises(elasticsearch.BadRequestError) as err:
            c.info()
        assert err.value.message == "media_type_header_exception"


def test_client_9_compat_header_is_refused_by_es8_like_the_real_server(make_fake_es):
    es = make_fake_es("es8")
    resp = httpx.get(
        es.url + "/",
        headers={
            "Accept": "application/vnd.elasticsearch+json; compatible-with=9",
        },
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "error": {
            "root_cause": [
                {
                    "type": "media_type_header_exception",
                    "reason": "Invalid media-type value on headers [Accept]",
                }
            ],
            "type": "media_type_header_exception",
            "reason": "Invalid media-type value on headers [Accept]",
            "caused_by": {
                "type": "status_exception",
                "reason": "Accept version must be either version 8 or 7, but found 9. "
                "Accept=application/vnd.elasticsearch+json; compatible-with=9",
            },
        },
        "status": 400,
    }
    with client(es.url) as c:  # the 8.x client sends compatible-with=8: accepted
        assert c.info()["version"]["number"] == "8.12.1"


def test_opensearch_without_product_header_is_refused_by_the_client(make_fake_es):
    es = make_fake_es("opensearch")
    with client(es.url) as c:
        with pytest.raises(elasticsearch.UnsupportedProductError) as err:
            c.info()
        assert str(err.value.message) == (
            "The client noticed that the server is not Elasticsearch and we do not support this unknown product"
        )
        assert c.ping() is False
    raw = httpx.get(es.url + "/")
    assert "x-elastic-product" not in raw.headers
    assert raw.json()["version"]["distribution"] == "opensearch"


def test_search_sort_size_search_after_with_the_client(make_fake_es):
    es = make_fake_es("es8", documents={"app-1": DOCS})
    with client(es.url) as c:
        page1 = c.search(index="app-*", size=2, sort=[{"@timestamp": "desc"}])
        assert [h["_source"]["n"] for h in page1["hits"]["hits"]] == [5, 4]
        assert page1["hits"]["hits"][0]["sort"] == [1714557604000]
        assert page1["hits"]["total"] == {"value": 5, "relation": "eq"}
        page2 = c.search(
            index="app-*",
            size=2,
            sort=[{"@timestamp": "desc"}],
            search_after=page1["hits"]["hits"][-1]["sort"],
        )
        assert [h["_source"]["n"] for h in page2["hits"]["hits"]] == [2, 3]
        errors = c.search(index="app-1", query={"term": {"log.level": "error"}}, track_total_hits=False)
        assert [h["_source"]["message"] for h in errors["hits"]["hits"]] == ["disk full"]
        assert "total" not in errors["hits"]
        assert c.count(index="app-1", query={"match": {"message": "disk"}})["count"] == 2
        capped = c.search(index="app-1", size=0, track_total_hits=3)
        assert capped["hits"]["total"] == {"value": 3, "relation": "gte"}


def test_cluster_health_cat_indices_and_field_caps_with_the_client(make_fake_es):
    es = make_fake_es("es8", documents={"app-1": DOCS})
    es.cluster_status = "green"
    with client(es.url) as c:
        health = c.cluster.health()
        assert (health["status"], health["cluster_name"], health["unassigned_shards"]) == (
            "green",
            "testcluster",
            0,
        )
        rows = c.cat.indices(format="json")
        assert [(r["index"], r["docs.count"], r["health"]) for r in rows] == [("app-1", "5", "green")]
        assert all(isinstance(v, str) for v in rows[0].values())
        caps = c.field_caps(index="app-1", fields="@timestamp,n")
        assert caps["fields"] == {
            "@timestamp": {
                "date": {"type": "date", "metadata_field": False, "searchable": True, "aggregatable": True}
            },
            "n": {
                "long": {"type": "long", "metadata_field": False, "searchable": True, "aggregatable": True}
            },
        }


def test_point_in_time_open_search_close_with_the_client(make_fake_es):
    es = make_fake_es("es8", documents={"app-1": DOCS})
    with client(es.url) as c:
        pit = c.open_point_in_time(index="app-1", keep_alive="1m")
        es.add_documents("app-1", [{"@timestamp": "2024-05-01T11:00:00Z", "n": 6}])  # not in the PIT
        seen: list[int] = []
        after = None
        while True:
            resp = c.search(
                pit={"id": pit["id"], "keep_alive": "1m"},
                size=2,
                sort=[{"@timestamp": "asc"}, {"_shard_doc": "asc"}],
                search_after=after,
            )
            assert resp["pit_id"] == pit["id"]
            hits = resp["hits"]["hits"]
            if not hits:
                break
            seen += [h["_source"]["n"] for h in hits]
            after = hits[-1]["sort"]
        assert seen == [1, 3, 2, 4, 5]
        assert c.close_point_in_time(id=pit["id"]).body == {"succeeded": True, "num_freed": 1}
        with pytest.raises(elasticsearch.NotFoundError):
            c.close_point_in_time(id=pit["id"])
        assert es.open_contexts == 0
        with pytest.raises(elasticsearch.NotFoundError) as err:
            c.open_point_in_time(index="missing", keep_alive="1m")
        assert err.value.message == "index_not_found_exception"


def test_pit_with_an_index_in_the_path_is_rejected(make_fake_es):
    es = make_fake_es("es8", documents={"app-1": DOCS})
    pit = httpx.post(es.url + "/app-1/_pit", params={"keep_alive": "1m"}).json()
    resp = httpx.post(es.url + "/app-1/_search", json={"pit": {"id": pit["id"]}})
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == "action_request_validation_exception"


def test_helpers_scan_reads_every_document_and_clears_the_scroll(make_fake_es):
    es = make_fake_es("es8", documents={"app-1": DOCS})
    with client(es.url) as c:
        got = [
            h["_source"]["n"]
            for h in helpers.scan(c, index="app-1", size=2, query={"query": {"match_all": {}}})
        ]
    assert sorted(got) == [1, 2, 3, 4, 5]
    assert es.open_contexts == 0
    assert [r.method + " " + r.path for r in es.requests][-1] == "DELETE /_search/scroll"


def test_errors_map_to_the_client_classes_and_messages(make_fake_es):
    es = make_fake_es("es8", documents={"app-1": DOCS})
    with client(es.url) as c:
        with pytest.raises(elasticsearch.NotFoundError) as nf:
            c.search(index="nope")
        assert nf.value.message == "index_not_found_exception"
        assert nf.value.body["error"]["reason"] == "no such index [nope]"
        with pytest.raises(elasticsearch.BadRequestError) as bad:
            c.search(index="app-1", sort=["missing_field"])
        assert bad.value.message == "search_phase_execution_exception"
        assert bad.value.body["error"]["root_cause"][0]["reason"] == (
            "No mapping found for [missing_field] in order to sort on"
        )
        with pytest.raises(elasticsearch.BadRequestError) as unknown:
            c.search(index="app-1", query={"foo": {}})
        assert unknown.value.message == "parsing_exception"


def test_auth_401_with_www_authenticate_and_client_error_class(make_fake_es):
    es = make_fake_es("es8", auth=("elastic", "changeme"))
    resp = httpx.get(es.url + "/_cluster/health")
    assert resp.status_code == 401
    assert resp.headers.get_list("www-authenticate") == [
        'Basic realm="security", charset="UTF-8"',
        'Bearer realm="security"',
        "ApiKey",
    ]
    assert (
        resp.json()["error"]["reason"]
        == "missing authentication credentials for REST request [/_cluster/health]"
    )
    with client(es.url, basic_auth=("elastic", "wrong")) as c:
        with pytest.raises(elasticsearch.AuthenticationException) as err:
            c.cluster.health()
        assert err.value.message == "security_exception"
        assert err.value.body["error"]["reason"] == (
            "unable to authenticate user [elastic] for REST request [/_cluster/health]"
        )
    with client(es.url, basic_auth=("elastic", "changeme")) as c:
        assert c.cluster.health()["status"] == "yellow"


# --- raw HTTP ------------------------------------------------------------------------------------


def test_raw_headers_and_root_bodies_are_the_fixtures(fake_es):
    resp = httpx.get(fake_es.url + "/")
    assert resp.headers["content-type"] == "application/json; charset=UTF-8"
    assert resp.headers["x-elastic-product"] == "Elasticsearch"
    assert "server" not in resp.headers
    with open("tests/fixtures/elasticsearch/info/es_8.12.1_root.json", encoding="utf-8") as fh:
        assert resp.json() == json.load(fh)
    head = httpx.head(fake_es.url + "/")
    assert (head.status_code, head.content, head.headers["x-elastic-product"]) == (200, b"", "Elasticsearch")
    compat = httpx.get(
        fake_es.url + "/", headers={"Accept": "application/vnd.elasticsearch+json; compatible-with=8"}
    )
    assert compat.headers["content-type"] == "application/vnd.elasticsearch+json;compatible-with=8"


def test_form_body_gets_the_real_406(fake_es):
    resp = httpx.post(fake_es.url + "/_search", data={"q": "x"})
    assert resp.status_code == 406
    assert resp.json() == {
        "error": "Content-Type header [application/x-www-form-urlencoded] is not supported",
        "status": 406,
    }


def test_missing_index_rules_follow_ignore_unavailable_and_allow_no_indices(fake_es):
    url = fake_es.url
    assert httpx.post(url + "/nope/_search", json={}).status_code == 404
    lenient = httpx.post(url + "/nope/_search", params={"ignore_unavailable": "true"}, json={})
    assert (lenient.status_code, lenient.json()["hits"]["hits"], lenient.json()["_shards"]["total"]) == (
        200,
        [],
        0,
    )
    wildcard = httpx.post(url + "/nomatch-*/_search", json={})
    assert (wildcard.status_code, wildcard.json()["hits"]["total"]) == (200, {"value": 0, "relation": "eq"})
    strict = httpx.post(url + "/nomatch-*/_search", params={"allow_no_indices": "false"}, json={})
    assert strict.status_code == 404
    assert strict.json()["error"]["reason"] == "no such index [nomatch-*]"


def test_ecs_and_otel_documents_are_searchable_by_dotted_or_nested_field(fake_es):
    url = fake_es.url + "/logs-*/_search"
    # ECS python doc nests log.logger; the OTel exporter doc has an epoch-millis string @timestamp.
    nested = httpx.post(url, json={"query": {"term": {"log.logger": "app"}}}).json()
    assert [h["_source"]["message"] for h in nested["hits"]["hits"]] == ["Example message!"]
    oldest = httpx.post(url, json={"size": 1, "sort": [{"@timestamp": "asc"}]}).json()["hits"]["hits"][0]
    assert (oldest["_source"]["message"], oldest["sort"]) == ("Example message!", [1584727897895])
    newest = httpx.post(
        url, json={"size": 2, "sort": [{"@timestamp": "desc"}], "_source": ["@timestamp"]}
    ).json()
    assert [h["_source"] for h in newest["hits"]["hits"]] == [
        {"@timestamp": "2024-03-12T20:00:41.123456789Z"},  # equal millis: index order breaks the tie
        {"@timestamp": "1710273641123.456789"},
    ]
    assert [h["sort"] for h in newest["hits"]["hits"]] == [[1710273641123], [1710273641123]]


def test_rest_total_hits_as_int_and_range_query(fake_es):
    resp = httpx.post(
        fake_es.url + "/logs-*/_search",
        params={"rest_total_hits_as_int": "true"},
        json={"size": 0, "query": {"range": {"@timestamp": {"gte": "2023-01-01T00:00:00Z"}}}},
    )
    # 2 pino + 2 winston + 1 winston http (2023) + the two OTel-exporter docs (2024); not the 2020 ones.
    assert resp.json()["hits"]["total"] == 7


def test_opensearch_pit_paths(make_fake_es):
    os_ = make_fake_es("opensearch", documents={"app-1": DOCS})
    created = httpx.post(os_.url + "/app-1/_search/point_in_time", params={"keep_alive": "1m"}).json()
    assert sorted(created) == ["_shards", "creation_time", "pit_id"]
    assert httpx.post(os_.url + "/app-1/_pit", params={"keep_alive": "1m"}).status_code == 400
    deleted = httpx.request(
        "DELETE", os_.url + "/_search/point_in_time", json={"pit_id": [created["pit_id"]]}
    )
    assert deleted.json() == {"pits": [{"successful": True, "pit_id": created["pit_id"]}]}


def test_fault_injection_throttle_drop_and_latency(fake_es):
    fake_es.throttle(429, retry_after="7")
    resp = httpx.get(fake_es.url + "/_cluster/health")
    assert (resp.status_code, resp.headers["retry-after"]) == (429, "7")
    assert resp.json()["error"]["type"] == "es_rejected_execution_exception"
    assert httpx.get(fake_es.url + "/_cluster/health").status_code == 200  # one-shot
    fake_es.drop_connections()
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(fake_es.url + "/")
    fake_es.add_latency(5.0, times=1)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(fake_es.url + "/", timeout=0.2)
    fake_es.throttle(503, retry_after=None, times=None, path="/_cluster")
    assert httpx.get(fake_es.url + "/_cluster/health").status_code == 503
    assert httpx.get(fake_es.url + "/").status_code == 200
    fake_es.clear_faults()
    assert httpx.get(fake_es.url + "/_cluster/health").status_code == 200


def test_unknown_flavor_is_refused():
    with pytest.raises(ValueError, match="flavor must be one of es7, es8, es9, opensearch"):
        FakeElasticsearch("solr")
