"""Contexts: precedence, multi-file merge, validation errors that name the key path."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from obsctl.core.errors import ConfigError, ExitCode
from obsctl.core.settings import config_paths, default_config_path, load_settings, write_config_atomic

FULL = """
current-context: prod
contexts:
  prod:
    prometheus:
      url: https://prom.example:9090
      auth: {bearer: {token_file: /run/secrets/prom-token}}
      headers: {X-Scope-OrgID: team-a}
      tls: {ca_file: /etc/ssl/ca.pem, server_name: prom.internal}
      timeout: 30s
      retries: 4
      path_prefix: /prometheus
    alertmanager:
      url: http://am.example:9093
      auth: {basic: {username: ops, password_env: AM_PASSWORD}}
    elasticsearch:
      url: https://es.example:9200
      auth: {api_key: {key: abc}}
      index: logs-*
  dev:
    prometheus: {url: "http://127.0.0.1:9090"}
"""


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_full_context_parses(tmp_path):
    path = write(tmp_path, FULL)
    s = load_settings({"OBSCTL_CONFIG": str(path)})
    assert s.context == "prod"
    prom = s.backend("prometheus")
    assert prom is not None
    assert prom.url == "https://prom.example:9090"
    assert prom.auth.kind == "bearer" and prom.auth.secret.file == "/run/secrets/prom-token"
    assert prom.headers["X-Scope-OrgID"].value == "team-a"
    assert prom.tls.ca_file == "/etc/ssl/ca.pem" and prom.tls.server_name == "prom.internal"
    assert not prom.tls.insecure_skip_verify
    assert prom.timeout == 30.0 and prom.retries == 4
    assert prom.options == {"path_prefix": "/prometheus"}
    am = s.backend("alertmanager")
    assert am is not None and am.auth.kind == "basic" and am.auth.username == "ops"
    es = s.backend("elasticsearch")
    assert es is not None and es.options["index"] == "logs-*"
    assert s.backend("jaeger") is None


def test_precedence_flag_over_env_over_context(tmp_path):
    path = write(tmp_path, FULL)
    env = {"OBSCTL_CONFIG": str(path), "OBSCTL_PROMETHEUS_URL": "http://env:9090"}
    assert load_settings(env).backend("prometheus").url == "http://env:9090"  # type: ignore[union-attr]
    s = load_settings(env, overrides={"prometheus": {"url": "http://flag:9090"}})
    prom = s.backend("prometheus")
    assert prom is not None and prom.url == "http://flag:9090" and prom.source == "flag"
    # the context's other settings stay
    assert prom.timeout == 30.0


def test_context_flag_and_env(tmp_path):
    path = write(tmp_path, FULL)
    env = {"OBSCTL_CONFIG": str(path), "OBSCTL_CONTEXT": "dev"}
    assert load_settings(env).context == "dev"
    assert load_settings(env, context_flag="prod").context == "prod"


def test_unknown_context_names_the_known_ones(tmp_path):
    path = write(tmp_path, FULL)
    with pytest.raises(ConfigError) as err:
        load_settings({"OBSCTL_CONFIG": str(path)}, context_flag="nope")
    assert "context 'nope' not found" in err.value.message
    assert "dev, prod" in (err.value.hint or "")
    assert err.value.exit_code == ExitCode.USAGE


def test_multiple_files_merge_first_wins(tmp_path):
    a = write(tmp_path, "contexts:\n  prod: {prometheus: {url: 'http://a:1'}}\n", "a.yaml")
    b = write(
        tmp_path,
        "current-context: prod\ncontexts:\n  prod: {prometheus: {url: 'http://b:1'}}\n  other: {}\n",
        "b.yaml",
    )
    s = load_settings({"OBSCTL_CONFIG": f"{a}{os.pathsep}{b}"})
    assert s.context == "prod"
    assert s.backend("prometheus").url == "http://a:1"  # type: ignore[union-attr]


def test_missing_file_is_no_config(tmp_path):
    s = load_settings({"OBSCTL_CONFIG": str(tmp_path / "absent.yaml")})
    assert s.context is None and dict(s.backends) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "contexts:\n  prod:\n    prometheus: {url: 'htp:/x'}\n",
            "contexts.prod.prometheus.url: not a URL: 'htp:/x'",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', timout: 3}\n",
            "contexts.prod.prometheus.timout: unknown key",
        ),
        (
            "contexts:\n  prod:\n    promethus: {url: 'http://x'}\n",
            "contexts.prod.promethus: unknown backend",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', timeout: 5x}\n",
            "contexts.prod.prometheus.timeout: invalid duration",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', retries: many}\n",
            "contexts.prod.prometheus.retries: expected a whole number",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', auth: {oauth: {}}}\n",
            "contexts.prod.prometheus.auth.oauth: unknown auth kind",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', auth: {bearer: {}}}\n",
            "contexts.prod.prometheus.auth.bearer: needs token",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', auth: {basic: {password: x}}}\n",
            "contexts.prod.prometheus.auth.basic.username: required",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', tls: {insecure_skip_verify: 'yes'}}\n",
            "insecure_skip_verify: expected true or false",
        ),
        (
            "contexts:\n  prod:\n    prometheus: {url: 'http://x', tls: {cert_file: a}}\n",
            "cert_file and key_file go together",
        ),
        ("contexts: [1, 2]\n", "contexts: must be a mapping"),
        ("contexts:\n  prod: {prometheus: {url: [}\n", "invalid YAML"),
        ("context:\n  prod: {}\n", "context: unknown key"),
    ],
)
def test_invalid_files_name_the_key_path(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(
            {"OBSCTL_CONFIG": str(path), "OBSCTL_CONTEXT": "prod"}
            if "prod" in text
            else {"OBSCTL_CONFIG": str(path)}
        )
    assert message in err.value.message
    assert str(path) in err.value.message


def test_yaml_error_has_line_number(tmp_path):
    path = write(tmp_path, "contexts:\n  prod:\n    prometheus: {url: [}\n")
    with pytest.raises(ConfigError, match=r"config.yaml:3:"):
        load_settings({"OBSCTL_CONFIG": str(path)})


def test_env_auth_and_tls_overrides():
    env = {
        "OBSCTL_ALERTMANAGER_URL": "https://am:9093",
        "OBSCTL_ALERTMANAGER_TOKEN": "t0k",
        "OBSCTL_ALERTMANAGER_INSECURE_SKIP_VERIFY": "true",
        "OBSCTL_ALERTMANAGER_TENANT": "team-b",
        "OBSCTL_ALERTMANAGER_TIMEOUT": "3s",
    }
    am = load_settings(env).backend("alertmanager")
    assert am is not None
    assert am.auth.kind == "bearer" and am.auth.secret.env == "OBSCTL_ALERTMANAGER_TOKEN"
    assert am.tls.insecure_skip_verify is True
    assert am.headers["X-Scope-OrgID"].value == "team-b"
    assert am.timeout == 3.0 and am.source == "env"


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"OBSCTL_PROMETHEUS_TIMEOUT": "abc"}, "OBSCTL_PROMETHEUS_TIMEOUT: invalid duration 'abc'"),
        ({"OBSCTL_PROMETHEUS_RETRIES": "-1"}, "OBSCTL_PROMETHEUS_RETRIES: expected a whole number >= 0"),
        (
            {"OBSCTL_PROMETHEUS_TENANT": "t\u00e9"},
            "OBSCTL_PROMETHEUS_TENANT: a non-ASCII character at position 2",
        ),
        ({"OBSCTL_JAEGER_API": "v9"}, "OBSCTL_JAEGER_API: "),
    ],
)
def test_bad_env_values_are_named_by_their_variable(tmp_path, extra, message):
    backend = next(k for k in extra).split("_")[1].lower()
    env = {"HOME": str(tmp_path), f"OBSCTL_{backend.upper()}_URL": "http://127.0.0.1:1", **extra}
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    assert err.value.message.startswith(message), err.value.message
    assert "contexts." not in err.value.message


def test_same_bad_value_in_a_context_is_named_by_its_key_path(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "contexts: {p: {prometheus: {url: 'http://127.0.0.1:1', timeout: abc}}}\ncurrent-context: p\n"
    )
    with pytest.raises(ConfigError, match=r"contexts\.p\.prometheus\.timeout: invalid duration"):
        load_settings({"OBSCTL_CONFIG": str(cfg)})


def test_bad_secret_from_env_is_named_by_its_variable():
    from obsctl.core.auth import auth_headers

    env = {"OBSCTL_PROMETHEUS_URL": "http://127.0.0.1:1", "OBSCTL_PROMETHEUS_TOKEN": "t\u00e9"}
    prom = load_settings(env).backend("prometheus")
    assert prom is not None
    with pytest.raises(ConfigError) as err:
        auth_headers(prom, env, "prometheus")
    assert err.value.message.startswith("OBSCTL_PROMETHEUS_TOKEN: a non-ASCII character at position 2")
    assert "t\u00e9" not in err.value.message


def test_default_config_path_honours_xdg():
    assert default_config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/obsctl/config.yaml")
    assert config_paths({"OBSCTL_CONFIG": "/a.yaml:/b.yaml"}) == (Path("/a.yaml"), Path("/b.yaml"))
    assert config_paths({"OBSCTL_CONFIG": "/a.yaml"}, flag="/c.yaml") == (Path("/c.yaml"),)


def test_atomic_write_keeps_a_backup_when_comments_would_be_lost(tmp_path):
    path = write(tmp_path, "# my notes\ncontexts: {}\n")
    backup = write_config_atomic(path, {"contexts": {"a": {}}})
    assert backup is not None and backup.read_text() == "# my notes\ncontexts: {}\n"
    assert "a: {}" in path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert write_config_atomic(path, {"contexts": {}}) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"contexts:\n  prod: " + b"[" * 2000,
            r":2:\d+: invalid YAML: exceeded maximum nesting depth",
        ),  # libyaml
        (
            b"contexts:\n  prod: {a: " + b"[" * 500 + b"]" * 500 + b"}\n",
            ": invalid YAML: nested more than 100 levels",
        ),
        (b"contexts: {a: " + b"9" * 10000 + b"}\n", ":1: invalid YAML: a number with more than 4300 digits"),
        (
            b"contexts:\n  prod: &p {prometheus: *p}\n",
            ": invalid YAML: an alias is used inside its own anchor",
        ),
        (b"contexts:\n  caf\xe9: {}\n", r":2: not UTF-8 \(byte 0xe9 at offset 15\)"),
    ],
)
def test_files_python_cannot_hold_are_one_exit_2_line(tmp_path, data, message):
    # Issue 9, the guard: RecursionError and int()'s ValueError escaped read_config (exit 70).
    path = tmp_path / "config.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as err:
        load_settings({"OBSCTL_CONFIG": str(path)})
    assert err.value.exit_code == ExitCode.USAGE
    assert re.match(re.escape(str(path)) + message, err.value.message) and "\n" not in err.value.message
