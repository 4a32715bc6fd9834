"""The backend table drives contexts validation: options are typed, errors name the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from obsctl.core.backends import BACKEND_TABLE, backend_names, backend_spec, context_keys
from obsctl.core.errors import ConfigError
from obsctl.core.settings import BACKENDS, load_settings


def load(tmp_path: Path, body: str, env: dict[str, str] | None = None):
    path = tmp_path / "config.yaml"
    path.write_text("current-context: c\ncontexts:\n  c:\n" + body)
    return load_settings({"OBSCTL_CONFIG": str(path), **(env or {})})


def test_table_is_the_one_list_of_backends_and_sections():
    assert BACKENDS == backend_names() == ("prometheus", "alertmanager", "elasticsearch", "jaeger")
    assert context_keys() == (*BACKENDS, "health")
    assert backend_spec("elasticsearch").env_prefix == "OBSCTL_ELASTICSEARCH_"
    assert len({b.name for b in BACKEND_TABLE}) == len(BACKEND_TABLE)
    with pytest.raises(KeyError):
        backend_spec("loki")


def test_elasticsearch_logs_section_is_checked_and_normalised(tmp_path):
    s = load(
        tmp_path,
        "    elasticsearch:\n      url: http://es:9200\n      timestamp_field: when\n"
        "      logs:\n        index: 'app-*'\n        fields: {trace_id: traceId, timestamp: ts}\n"
        "        lag: 90\n",
    )
    es = s.backend("elasticsearch")
    assert es is not None
    assert es.options == {
        "logs": {"index": "app-*", "fields": {"trace_id": "traceId", "timestamp": "ts"}, "lag": "1m30s"},
        "timestamp_field": "when",
    }


def test_lag_zero_is_allowed(tmp_path):
    es = load(tmp_path, "    elasticsearch: {url: 'http://es:9200', logs: {lag: 0s}}\n").backend("elasticsearch")
    assert es is not None and es.options["logs"]["lag"] == "0s"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("logs: {fields: {trace: x}}", "contexts.c.elasticsearch.logs.fields.trace: unknown role"),
        ("logs: {fields: traceId}", "contexts.c.elasticsearch.logs.fields: must be a mapping"),
        ("logs: {fields: {trace_id: [a]}}", "contexts.c.elasticsearch.logs.fields.trace_id: expected a string"),
        ("logs: {lag: soon}", "contexts.c.elasticsearch.logs.lag: invalid duration"),
        ("logs: {lag: -1}", "contexts.c.elasticsearch.logs.lag: must be positive"),
        ("logs: {indx: a}", "contexts.c.elasticsearch.logs.indx: unknown key"),
        ("logs: app-*", "contexts.c.elasticsearch.logs: must be a mapping with index, fields, lag"),
        ("index: [a, b]", "contexts.c.elasticsearch.index: expected a string"),
        ("indx: a", "contexts.c.elasticsearch.indx: unknown key"),
    ],
)
def test_bad_options_name_the_key_path(tmp_path, body, where):
    with pytest.raises(ConfigError) as err:
        load(tmp_path, f"    elasticsearch: {{url: 'http://es:9200', {body}}}\n")
    assert where in err.value.message
    assert err.value.exit_code == 2


def test_jaeger_api_choice(tmp_path):
    jaeger = load(tmp_path, "    jaeger: {url: 'http://j:16686', api: v1}\n").backend("jaeger")
    assert jaeger is not None and jaeger.options == {"api": "v1"}
    with pytest.raises(ConfigError, match=r"contexts\.c\.jaeger\.api: must be one of v3, v1"):
        load(tmp_path, "    jaeger: {url: 'http://j:16686', api: v2}\n")


def test_plain_options_come_from_env(tmp_path):
    s = load(
        tmp_path,
        "    elasticsearch: {url: 'http://es:9200', index: 'a-*'}\n",
        {"OBSCTL_ELASTICSEARCH_INDEX": "b-*", "OBSCTL_PROMETHEUS_URL": "http://p:9090",
         "OBSCTL_PROMETHEUS_PATH_PREFIX": "/prom"},
    )  # fmt: skip
    es, prom = s.backend("elasticsearch"), s.backend("prometheus")
    assert es is not None and es.options["index"] == "b-*"
    assert prom is not None and prom.options == {"path_prefix": "/prom"}


def test_sections_are_kept_raw(tmp_path):
    s = load(tmp_path, "    health:\n      probes: []\n")
    assert s.section("health") == {"probes": []} == s.health
    with pytest.raises(ConfigError, match=r"contexts\.c\.health: must be a mapping"):
        load(tmp_path, "    health: [1]\n")


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("/a\x7fb", "OBSCTL_PROMETHEUS_PATH_PREFIX: a control character at position 3"),
        ("/p?x=1", "OBSCTL_PROMETHEUS_PATH_PREFIX: '?' at position 3"),
        ("/p#f", "OBSCTL_PROMETHEUS_PATH_PREFIX: '#' at position 3"),
    ],
)
def test_path_prefix_httpx_cannot_send_is_exit_2(prefix, message):
    # Found by the guard: httpx.InvalidURL on a control character in path_prefix (exit 70).
    env = {"OBSCTL_PROMETHEUS_URL": "http://127.0.0.1:1", "OBSCTL_PROMETHEUS_PATH_PREFIX": prefix}
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    assert err.value.message.startswith(message), err.value.message
    assert load_settings({**env, "OBSCTL_PROMETHEUS_PATH_PREFIX": "/pr\u00f6m"}).backend("prometheus") is not None
