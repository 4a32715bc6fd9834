"""`obsctl health` end to end in-process: defaults, formats, bad input, ES/Jaeger backends served
real upstream bodies (tests/fixtures/health, provenance in PROVENANCE.tsv) through the transport seam."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
import yaml

FIXTURES = Path(__file__).parents[2] / "fixtures" / "health"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def write(tmp_path: Path, doc: object, name: str = "probes.yaml") -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return str(path)


# --- no configuration -------------------------------------------------------------------------


def test_no_config_checks_this_machine_and_exits_truthfully(run_cli):
    result = run_cli(["health", "-o", "json"])
    doc = json.loads(result.stdout)
    checks = [r["check"] for r in doc["results"]]
    assert checks[:2] == ["memory", "swap"]
    assert "disk /" in checks and "inodes /" in checks
    assert checks[-2:] == ["load", "open files"]
    assert {r["name"] for r in doc["results"]} == {"system"}
    assert result.exit_code == (1 if doc["status"] == "fail" else 0)
    assert doc["summary"]["total"] == len(doc["results"])
    assert sorted(doc) == ["duration_ms", "results", "started_at", "status", "summary", "version"]
    assert sorted(doc["results"][0]) == sorted(
        [
            "name",
            "kind",
            "check",
            "status",
            "summary",
            "target",
            "duration_ms",
            "attempts",
            "tags",
            "error",
            "assertions",
            "phases",
            "observed",
            "body_excerpt",
        ]
    )


def test_piped_output_is_headerless_tsv(run_cli):
    result = run_cli(["health", "--only", "system"])
    first = result.stdout.splitlines()[0].split("\t")
    assert first[1:3] == ["system", "memory"]
    assert first[0] in ("pass", "warn", "fail")
    assert "passed" in result.stderr.splitlines()[0]


def test_tty_gets_a_table_with_headers(run_cli):
    result = run_cli(["health"], tty=True)
    assert result.stdout.splitlines()[0].split() == ["STATUS", "NAME", "CHECK", "DETAIL", "TIME"]


def test_yaml_and_jsonl(run_cli):
    y = run_cli(["health", "-o", "yaml"])
    assert yaml.safe_load(y.stdout)["version"] == 1
    lines = run_cli(["health", "-o", "jsonl"]).stdout.splitlines()
    assert json.loads(lines[0])["check"] == "memory"


# --- probes files: output formats, selection, fail-fast ---------------------------------------------

PROBES = {
    "probes": [
        {"name": "true", "command": "true", "tags": ["local"]},
        {
            "name": "false",
            "command": {"run": ["sh", "-c", "echo password=hunter2 >&2; exit 4"]},
            "tags": ["local"],
        },
        {"name": "pg", "postgres": {"dsn": "host=127.0.0.1 user=app password=pw123"}},
    ]
}


def test_failures_explain_themselves_in_the_table(run_cli, tmp_path):
    result = run_cli(["health", "-f", write(tmp_path, PROBES), "-o", "table"])
    assert result.exit_code == 1
    out = result.stdout
    # Issue 9.2: the CHECK column went unredacted while the excerpt under it was redacted.
    assert "fail    false  run sh -c echo password=REDACTED >&2; exit 4  exit: expected 0, observed 4" in out
    assert (
        "FAIL false: run sh -c echo password=REDACTED >&2; exit 4\n  exit: expected 0, observed 4\n  body: password=REDACTED"
        in out
    )
    assert "hunter2" not in out
    assert result.stderr.splitlines() == [
        "1 passed, 2 failed (3 checks in " + result.stderr.split(" in ", 1)[1].splitlines()[0],
        "obsctl: error: 2 checks failed: false, pg",
    ]


@pytest.mark.parametrize(
    "fmt", ["table", "wide", "json", "jsonl", "yaml", "csv", "tsv", "junit", "prometheus"]
)
def test_every_format_and_column_redacts_the_same_secrets(run_cli, tmp_path, fmt):
    # Issue 9.2: -o json/yaml printed ?token= in `target`; the command line showed its secrets.
    probes = {
        "probes": [
            {"name": "web", "http": {"url": "http://127.0.0.1:1/health?token=QueryTok321"}},
            {"name": "cmd", "command": {"run": ["sh", "-c", "exit 3", "--api-key=CmdKey999"]}},
            {"name": "user", "http": {"url": "http://bob:PassW0rd55@127.0.0.1:1/"}},
        ]
    }
    result = run_cli(["health", "-f", write(tmp_path, probes), "-o", fmt])
    assert result.exit_code == 1, result.output
    for secret in ("QueryTok321", "CmdKey999", "PassW0rd55"):
        assert secret not in result.stdout and secret not in result.stderr
    if fmt in ("json", "yaml"):
        doc = json.loads(result.stdout) if fmt == "json" else yaml.safe_load(result.stdout)
        targets = {r["name"]: r["target"] for r in doc["results"]}
        assert targets["web"] == "http://127.0.0.1:1/health?token=REDACTED"
        assert targets["user"] == "http://bob:REDACTED@127.0.0.1:1/"


def test_postgres_without_driver_names_the_extra(run_cli, tmp_path):
    # psycopg is the optional extra obsctl[postgres]: hide it whether or not it is installed here
    # (a None entry in sys.modules makes `import psycopg` raise ImportError).
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "psycopg", None)
        result = run_cli(["health", "-f", write(tmp_path, PROBES), "--only", "pg", "-o", "json"])
    r = json.loads(result.stdout)["results"][0]
    assert r["error"] == "the postgres probe needs the psycopg driver: pip install 'obsctl[postgres]'"
    assert r["target"] == "host=127.0.0.1 user=app password=REDACTED"


def test_only_and_skip_by_name_tag_and_glob(run_cli, tmp_path):
    path = write(tmp_path, PROBES)
    names = lambda res: [r["name"] for r in json.loads(res.stdout)["results"]]  # noqa: E731
    assert names(run_cli(["health", "-f", path, "--only", "local", "-o", "json"])) == ["true", "false"]
    assert names(run_cli(["health", "-f", path, "--skip", "f*", "--skip", "pg", "-o", "json"])) == ["true"]
    assert names(run_cli(["health", "-f", path, "--skip", "local", "-o", "json"])) == ["pg"]
    assert names(run_cli(["health", "-f", path, "--only", "command", "--skip", "true", "-o", "json"])) == [
        "false"
    ]
    none = run_cli(["health", "-f", path, "--only", "nothing"])
    assert none.exit_code == 2
    assert none.stderr.splitlines() == [
        "obsctl: error: no probe left to run after --only nothing",
        f"hint: probes in {path}: true, false, pg",
    ]


def test_fail_fast_skips_the_rest(run_cli, tmp_path):
    path = write(tmp_path, {"probes": [{"name": "a", "command": "false"}, {"name": "b", "command": "true"}]})
    result = run_cli(["health", "-f", path, "--fail-fast", "-j", "1", "-o", "json"])
    doc = json.loads(result.stdout)
    assert [(r["name"], r["status"]) for r in doc["results"]] == [("a", "fail"), ("b", "skip")]
    assert doc["results"][1]["summary"] == "not run (--fail-fast)"
    assert doc["summary"]["skipped"] == 1
    assert result.exit_code == 1


def test_retries_count_attempts(run_cli, tmp_path):
    marker = tmp_path / "ran"
    script = f"echo x >> {marker}; test $(wc -l < {marker}) -ge 3"
    path = write(
        tmp_path,
        {
            "probes": [
                {
                    "name": "flaky",
                    "retries": 3,
                    "retry_interval": 0,
                    "command": {"run": script, "shell": True},
                }
            ]
        },
    )
    result = run_cli(["health", "-f", path, "-o", "json"])
    r = json.loads(result.stdout)["results"][0]
    assert (r["status"], r["attempts"]) == ("pass", 3)


def test_retry_timeout_gives_up(run_cli, tmp_path):
    path = write(
        tmp_path,
        {"probes": [{"name": "never", "retry_timeout": "1s", "retry_interval": "300ms", "command": "false"}]},
    )
    r = json.loads(run_cli(["health", "-f", path, "-o", "json"]).stdout)["results"][0]
    assert r["status"] == "fail"
    assert 2 <= r["attempts"] <= 4


def test_hanging_command_is_cut_at_its_timeout(run_cli, tmp_path):
    path = write(tmp_path, {"probes": [{"name": "sleepy", "timeout": "300ms", "command": "sleep 30"}]})
    r = json.loads(run_cli(["health", "-f", path, "-o", "json"]).stdout)["results"][0]
    assert r["summary"] == "timed out after 0.3s (killed)"


def test_junit_output(run_cli, tmp_path):
    result = run_cli(["health", "-f", write(tmp_path, PROBES), "-o", "junit", "--skip", "pg"])
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "1", "0")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "true: run true",
        "false: run sh -c echo password=REDACTED >&2; exit 4",
    ]
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "exit: expected 0, observed 4"
    assert failure.text == "exit: expected 0, observed 4\nbody: password=REDACTED"


def test_context_health_section_is_used_without_f(run_cli, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "current-context": "dev",
                "contexts": {"dev": {"health": {"probes": [{"name": "ctx-probe", "command": "true"}]}}},
            }
        )
    )
    result = run_cli(["health", "-o", "json"], env={"OBSCTL_CONFIG": str(config)})
    assert [r["name"] for r in json.loads(result.stdout)["results"]] == ["ctx-probe"]
    assert result.exit_code == 0


# --- bad input exits 2 with the probe and the field ---------------------------------------------


@pytest.mark.parametrize(
    ("doc", "message", "hint"),
    [
        (
            {"probes": [{"name": "api", "htp": {"url": "http://x"}}]},
            "probes[0] (api): unknown probe kind 'htp' (did you mean 'http'?)",
            "hint: known kinds: http, tcp, dns, redis, postgres, system, process, command, backend; common keys: name, timeout, retries, retry_timeout, retry_interval, tags",
        ),
        (
            {
                "probes": [
                    {"name": "a", "command": "true"},
                    {"name": "api", "http": {"url": "http://x", "expect_status": ["abc"]}},
                ]
            },
            "probes[1] (api).http.expect_status: 'abc' is not a status code or class like 2xx",
            "hint: e.g. expect_status: [200, 204] or [2xx, 301]",
        ),
        (
            {"probes": [{"http": {"url": "ftp://x"}}]},
            "probes[0] (http-0).http.url: not an http(s) URL: 'ftp://x'",
            "hint: expected e.g. http://127.0.0.1:8000/health",
        ),
        (
            {"probes": [{"name": "api", "timeout": "soon", "http": "http://x"}]},
            "probes[0] (api).timeout: invalid duration 'soon' (expected e.g. 30s, 15m, 1h30m, 2d)",
            None,
        ),
        (
            {"probes": [{"name": "api", "http": {"url": "http://x", "expect_json": "$.status = 'ok'"}}]},
            "probes[0] (api).http.expect_json: cannot read \"= 'ok'\" at position 10",
            "hint: see `JSON conditions` in docs/health.md",
        ),
        (
            {"probes": [{"name": "d", "system": {"disk": {"path": "/", "warn": "95%", "fail": "90%"}}}]},
            "probes[0] (d).system.disk: warn (95%) is beyond fail (90%)",
            None,
        ),
        (
            {"probes": [{"name": "d", "system": {"memroy": True}}]},
            "probes[0] (d).system.memroy: unknown key (did you mean 'memory'?)",
            "hint: known keys: memory, swap, disk, inodes, load, open_files, include_tmpfs",
        ),
        (
            {"probes": [{"name": "x", "command": "true"}, {"name": "x", "command": "true"}]},
            "probes[1] (x).name: duplicate name (also probes[0])",
            "hint: give every probe its own name",
        ),
        (
            {"probes": [{"name": "x"}]},
            "probes[0] (x): no probe kind",
            "hint: add one of: http, tcp, dns, redis, postgres, system, process, command, backend",
        ),
        (
            {"probes": [{"name": "r", "redis": {"address": "h:99999"}}]},
            "probes[0] (r).redis.address: invalid port in 'h:99999'",
            None,
        ),
        (
            {"probes": [{"name": "b", "backend": "loki"}]},
            "probes[0] (b).backend.name: 'loki' is not a backend",
            "hint: known backends: prometheus, alertmanager, elasticsearch, jaeger",
        ),
    ],
)
def test_invalid_probes_file_exits_2_naming_probe_and_field(run_cli, tmp_path, doc, message, hint):
    path = write(tmp_path, doc)
    result = run_cli(["health", "-f", path])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"obsctl: error: {path}: {message}"
    assert lines[1:] == ([hint] if hint else [])


def test_invalid_yaml_and_missing_file(run_cli, tmp_path):
    path = write(tmp_path, "probes: [\n  - {name: a")
    result = run_cli(["health", "-f", path])
    assert result.exit_code == 2
    # libyaml (CSafeLoader) and the pure-Python loader word the end of this message differently
    assert result.stderr.startswith(f"obsctl: error: {path}:2:3: invalid YAML: ")
    assert "expected node content" in result.stderr or "expected the node content" in result.stderr
    missing = run_cli(["health", "-f", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert missing.stderr.splitlines()[0] == f"obsctl: error: {tmp_path / 'nope.yaml'}: no such probes file"


def test_probes_file_that_is_not_utf8_exits_2_naming_the_line(run_cli, tmp_path):
    # Issue 9.5: UnicodeDecodeError, exit 70.
    path = tmp_path / "latin1.yaml"
    path.write_bytes("probes:\n  - {name: café, command: 'true'}\n".encode("latin-1"))
    result = run_cli(["health", "-f", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"obsctl: error: {path}:2: not UTF-8 (byte 0xe9 at offset 22)",
        "hint: save the probes file as UTF-8, e.g. iconv -f latin1 -t utf-8",
    ]


def test_probes_file_with_a_number_too_long_to_read_exits_2(run_cli, tmp_path):
    path = write(tmp_path, "probes:\n  - {name: a, command: 'true', retries: " + "9" * 5000 + "}\n")
    result = run_cli(["health", "-f", path])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"obsctl: error: {path}:2: invalid YAML: a number with more than 4300 digits is too long to read"
    )


def test_contexts_file_that_is_not_utf8_exits_2(run_cli, tmp_path):
    # Issue 9.5: the contexts file likewise ended in UnicodeDecodeError, exit 70.
    path = tmp_path / "config.yaml"
    path.write_bytes("contexts:\n  café: {prometheus: {url: 'http://127.0.0.1:9'}}\n".encode("latin-1"))
    result = run_cli(["health", "--skip", "system"], env={"OBSCTL_CONFIG": str(path)})
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"obsctl: error: {path}:2: not UTF-8 (byte 0xe9 at offset 15)",
        "hint: save the contexts file as UTF-8, e.g. iconv -f latin1 -t utf-8",
    ]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["-o", "xml"],
            "unknown format 'xml'; choose one of table, wide, json, jsonl, yaml, csv, tsv, junit, prometheus",
        ),
        (["--watch", "often"], "obsctl: error: --watch: invalid duration 'often'"),
        (
            ["--watch", "100ms"],
            "obsctl: error: --watch: must be at least 1s, got '100ms' hint: e.g. --watch 10s",
        ),
        (["-j", "0"], "Invalid value for '-j' / '--concurrency': 0 is not in the range 1<=x<=4096."),
    ],
)
def test_bad_flags_exit_2(run_cli, args, fragment):
    result = run_cli(["health", *args])
    assert result.exit_code == 2
    assert fragment in " ".join(result.stderr.split())


def test_help_has_examples(run_cli):
    result = run_cli(["health", "--help"])
    assert result.exit_code == 0
    assert (
        "  Examples:\n    obsctl health\n    obsctl health -f probes.yaml --only api,cache\n" in result.stdout
    )


# --- Elasticsearch, Jaeger, Alertmanager (clustered) through the transport seam -------------------


def _backend_transport(
    routes: dict[tuple[str, str], tuple[int, bytes]], seen: list[httpx.Request]
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body = routes.get((request.method, request.url.path), (404, b'{"error":"not found"}'))
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)


def test_elasticsearch_health_and_freshness(run_cli):
    from datetime import datetime, timezone

    seen: list[httpx.Request] = []
    transport = _backend_transport(
        {
            ("GET", "/_cluster/health"): (200, fixture("es_cluster_health_yellow.json")),
            ("POST", "/logs-*/_search"): (200, fixture("opensearch_search_response_sorted_date_nanos.json")),
        },
        seen,
    )
    now = datetime(2022, 6, 15, 10, 22, 52, tzinfo=timezone.utc)
    result = run_cli(
        ["health", "--only", "elasticsearch", "-o", "json"],
        env={"OBSCTL_ELASTICSEARCH_URL": "http://es.test:9200"},
        transport=transport,
        now=lambda: now,
    )
    doc = json.loads(result.stdout)
    health, fresh = doc["results"]
    assert (health["check"], health["status"]) == ("cluster health", "warn")
    assert (
        health["summary"]
        == "cluster health: expected green, observed yellow, 1 node(s), 1 unassigned shard(s)"
    )
    assert (fresh["check"], fresh["status"]) == ("freshness logs-*", "warn")
    # The fixture's documents carry `date`, not `@timestamp`: the age comes from the sort value (ns).
    assert fresh["observed"]["newest"] == "2022-06-15T10:12:52.382720Z"
    assert fresh["summary"].startswith(
        "newest document: expected younger than warn 5m, fail 1h, observed 10m old"
    )
    body = json.loads(seen[1].content)
    assert body["sort"] == [{"@timestamp": {"order": "desc", "unmapped_type": "date"}}]
    assert dict(seen[1].url.params) == {"ignore_unavailable": "true", "allow_no_indices": "true"}
    assert result.exit_code == 0


def test_elasticsearch_index_and_field_from_probe(run_cli, tmp_path):
    from datetime import datetime, timezone

    seen: list[httpx.Request] = []
    routes = {
        ("GET", "/_cluster/health"): (200, fixture("es_cluster_health_yellow.json")),
        ("POST", "/app-logs/_search"): (200, fixture("opensearch_search_response_sorted_date_nanos.json")),
    }
    path = write(
        tmp_path,
        {
            "probes": [
                {
                    "name": "es",
                    "backend": {
                        "name": "elasticsearch",
                        "index": "app-logs",
                        "timestamp_field": "date",
                        "freshness": {"warn": "1m", "fail": "5m"},
                    },
                }
            ]
        },
    )
    env = {"OBSCTL_ELASTICSEARCH_URL": "http://es.test:9200"}
    now = datetime(2022, 6, 15, 10, 22, 52, tzinfo=timezone.utc)
    result = run_cli(
        ["health", "-f", path, "-o", "json"],
        env=env,
        transport=_backend_transport(routes, seen),
        now=lambda: now,
    )
    fresh = json.loads(result.stdout)["results"][1]
    assert fresh["observed"]["newest"] == "2022-06-15T10:12:52.382719Z"
    assert fresh["status"] == "fail"
    assert json.loads(seen[1].content)["sort"] == [{"date": {"order": "desc", "unmapped_type": "date"}}]
    assert result.exit_code == 1
    routes[("POST", "/app-logs/_search")] = (200, b'{"hits":{"hits":[]}}')
    result = run_cli(
        ["health", "-f", path, "-o", "json"], env=env, transport=_backend_transport(routes, seen)
    )
    fresh = json.loads(result.stdout)["results"][1]
    assert fresh["summary"] == "newest document: expected a document in app-logs, observed no documents"


def test_jaeger_services(run_cli):
    seen: list[httpx.Request] = []
    transport = _backend_transport(
        {("GET", "/api/v3/services"): (200, fixture("snapshot_GetServices.json"))}, seen
    )
    result = run_cli(
        ["health", "--only", "jaeger", "-o", "json"],
        env={"OBSCTL_JAEGER_URL": "http://jaeger.test:16686"},
        transport=transport,
    )
    r = json.loads(result.stdout)["results"][0]
    assert (r["check"], r["status"], r["summary"]) == ("services", "pass", "1 service(s): foo")
    assert r["observed"] == {"services": ["foo"], "api": "api_v3"}


def test_jaeger_v1_fallback_and_no_services_warns(run_cli):
    seen: list[httpx.Request] = []
    transport = _backend_transport({("GET", "/api/services"): (200, b'{"data":[],"total":0}')}, seen)
    result = run_cli(
        ["health", "--only", "jaeger", "-o", "json"],
        env={"OBSCTL_JAEGER_URL": "http://jaeger.test:16686"},
        transport=transport,
    )
    r = json.loads(result.stdout)["results"][0]
    assert (r["status"], r["summary"]) == ("warn", "services: expected at least one service, observed 0")
    assert [q.url.path for q in seen] == ["/api/v3/services", "/api/services"]


def test_alertmanager_cluster_ready_and_prometheus_fixture_targets(run_cli):
    seen: list[httpx.Request] = []
    transport = _backend_transport(
        {
            ("GET", "/-/ready"): (200, b"OK"),
            ("GET", "/api/v2/status"): (200, fixture("status_0.27.0.json")),
            ("GET", "/api/v1/status/buildinfo"): (200, fixture("status_buildinfo.json")),
            ("GET", "/api/v1/targets"): (200, fixture("targets.json")),
        },
        seen,
    )
    env = {"OBSCTL_ALERTMANAGER_URL": "http://am.test:9093", "OBSCTL_PROMETHEUS_URL": "http://prom.test:9090"}
    result = run_cli(["health", "--skip", "system", "-o", "json"], env=env, transport=transport)
    got = [(r["name"], r["check"], r["status"], r["summary"]) for r in json.loads(result.stdout)["results"]]
    assert got == [
        ("prometheus", "ready", "pass", "ready"),
        ("prometheus", "build info", "pass", "version 2.13.1"),
        ("prometheus", "targets", "pass", "1 active, 0 down"),
        ("alertmanager", "ready", "pass", "ready"),
        ("alertmanager", "cluster", "pass", "cluster ready, 1 peer(s), version 0.27.0"),
    ]


def test_backend_auth_refused_stops_that_backend(run_cli):
    seen: list[httpx.Request] = []
    transport = _backend_transport({("GET", "/-/ready"): (401, b"Unauthorized")}, seen)
    result = run_cli(
        ["health", "--only", "prometheus", "-o", "json"],
        env={"OBSCTL_PROMETHEUS_URL": "http://prom.test:9090"},
        transport=transport,
    )
    r = json.loads(result.stdout)["results"]
    assert [(x["check"], x["status"]) for x in r] == [("ready", "fail")]
    assert r[0]["summary"] == "HTTP 401: check the credentials of prometheus in this context"
    assert result.exit_code == 1


def test_prometheus_and_alertmanager_checks_go_through_their_typed_clients(run_cli):
    # Issue 8.2: the checks used raw /api/v1 paths; now PromClient's envelope handling applies
    # (an API error body is reported in the server's words) and a 404 build info only warns.
    seen: list[httpx.Request] = []
    error = b'{"status":"error","errorType":"internal","error":"targets unavailable"}'
    transport = _backend_transport(
        {
            ("GET", "/-/ready"): (200, b"ready"),
            ("GET", "/api/v1/status/buildinfo"): (404, b"404 page not found"),
            ("GET", "/api/v1/targets"): (500, error),
            ("GET", "/api/v2/status"): (401, b'{"message":"no"}'),
        },
        seen,
    )
    env = {"OBSCTL_PROMETHEUS_URL": "http://prom.test", "OBSCTL_ALERTMANAGER_URL": "http://am.test"}
    result = run_cli(["health", "--skip", "system", "-o", "json"], env=env, transport=transport)
    doc = json.loads(result.stdout)
    checks = {(r["name"], r["check"]): r for r in doc["results"]}
    assert checks[("prometheus", "build info")]["status"] == "warn"
    targets = checks[("prometheus", "targets")]
    assert targets["status"] == "fail"
    assert "500 internal: targets unavailable" in targets["error"]
    cluster = checks[("alertmanager", "cluster")]
    assert cluster["status"] == "fail" and "401" in cluster["error"]
    assert ("GET", "/api/v1/targets", "state=active") in {
        (r.method, r.url.path, r.url.query.decode()) for r in seen
    }
    assert result.exit_code == 1
