"""`obsctl config`: contexts verbs, redaction, atomic writes, errors with key paths."""

from __future__ import annotations

import json

import yaml

CONFIG = """current-context: prod
contexts:
  prod:
    prometheus:
      url: https://prom.example:9090
      auth: {bearer: {token: tok-SECRET-1}}
      headers: {X-Scope-OrgID: team-a, Authorization-Extra: hdr-SECRET-2}
    alertmanager:
      url: https://ops:pw-SECRET-3@am.example:9093
    elasticsearch:
      url: https://es.example:9200
      auth: {api_key: {key: key-SECRET-4}}
    jaeger:
      url: http://jaeger:16686
      auth: {basic: {username: u, password: pw-SECRET-5}}
  dev:
    prometheus: {url: "http://127.0.0.1:9090"}
"""


def cfg_env(tmp_path, text=CONFIG):
    path = tmp_path / "obsctl.yaml"
    path.write_text(text)
    return {"OBSCTL_CONFIG": str(path)}, path


def test_view_redacts_every_secret(run_cli, tmp_path):
    env, _ = cfg_env(tmp_path)
    for fmt in ("yaml", "json"):
        result = run_cli(["config", "view", "-o", fmt], env=env)
        assert result.exit_code == 0, result.stderr
        assert "SECRET" not in result.stdout
        assert result.stdout.count("REDACTED") == 5
    doc = json.loads(run_cli(["config", "view", "-o", "json"], env=env).stdout)
    assert doc["current-context"] == "prod"
    assert doc["contexts"]["prod"]["prometheus"]["headers"]["X-Scope-OrgID"] == "team-a"
    assert doc["contexts"]["prod"]["alertmanager"]["url"] == "https://ops:REDACTED@am.example:9093"


def test_view_shows_and_redacts_a_url_that_does_not_parse(run_cli, tmp_path):
    # Found by the guard: urlsplit's "Invalid IPv6 URL" escaped `config view` (exit 70).
    env, _ = cfg_env(tmp_path, "contexts:\n  prod:\n    prometheus: {url: 'http://u:pw-SECRET@[::1/?token=t-SECRET'}\n")
    result = run_cli(["config", "view", "-o", "json"], env=env)
    assert result.exit_code == 0, result.stderr
    url = json.loads(result.stdout)["contexts"]["prod"]["prometheus"]["url"]
    assert url == "http://u:REDACTED@[::1/?token=REDACTED"


def test_view_minify(run_cli, tmp_path):
    env, _ = cfg_env(tmp_path)
    doc = yaml.safe_load(run_cli(["-c", "dev", "config", "view", "--minify"], env=env).stdout)
    assert list(doc["contexts"]) == ["dev"]
    assert doc["current-context"] == "dev"


def test_get_contexts_piped_and_json(run_cli, tmp_path):
    env, path = cfg_env(tmp_path)
    result = run_cli(["config", "get-contexts"], env=env)
    assert result.stdout == "\tdev\tprometheus\n*\tprod\tprometheus,alertmanager,elasticsearch,jaeger\n"
    doc = json.loads(run_cli(["config", "get-contexts", "-o", "json"], env=env).stdout)
    assert doc[1] == {
        "name": "prod",
        "current": True,
        "backends": ["prometheus", "alertmanager", "elasticsearch", "jaeger"],
        "file": str(path),
    }


def test_get_contexts_tty_table(run_cli, tmp_path):
    env, _ = cfg_env(tmp_path)
    lines = run_cli(["config", "get-contexts"], env=env, tty=True).stdout.splitlines()
    assert lines[0].split() == ["CURRENT", "NAME", "BACKENDS"]
    assert lines[2].split() == ["*", "prod", "prometheus,alertmanager,elasticsearch,jaeger"]


def test_use_and_current_context(run_cli, tmp_path):
    env, path = cfg_env(tmp_path)
    assert run_cli(["config", "current-context"], env=env).stdout == "prod\n"
    result = run_cli(["config", "use-context", "dev"], env=env)
    assert result.exit_code == 0 and "switched to context 'dev'" in result.stderr
    assert run_cli(["config", "current-context"], env=env).stdout == "dev\n"
    assert yaml.safe_load(path.read_text())["contexts"]["prod"]["prometheus"]["auth"] == {
        "bearer": {"token": "tok-SECRET-1"}
    }


def test_use_unknown_context_exits_2(run_cli, tmp_path):
    env, _ = cfg_env(tmp_path)
    result = run_cli(["config", "use-context", "nope"], env=env)
    assert result.exit_code == 2
    assert result.stderr == "obsctl: error: no context named 'nope'\nhint: known contexts: dev, prod\n"


def test_set_context_creates_file_and_keeps_other_keys(run_cli, tmp_path):
    path = tmp_path / "new" / "config.yaml"
    env = {"OBSCTL_CONFIG": str(path)}
    result = run_cli(
        ["config", "set-context", "lab", "--prometheus-url", "http://127.0.0.1:9090", "--use"], env=env
    )
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(path.read_text()) == {
        "current-context": "lab",
        "contexts": {"lab": {"prometheus": {"url": "http://127.0.0.1:9090"}}},
    }
    run_cli(["config", "set-context", "lab", "--alertmanager-url", "http://127.0.0.1:9093"], env=env)
    doc = yaml.safe_load(path.read_text())
    assert doc["contexts"]["lab"] == {
        "prometheus": {"url": "http://127.0.0.1:9090"},
        "alertmanager": {"url": "http://127.0.0.1:9093"},
    }
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_set_context_rejects_bad_url_before_writing(run_cli, tmp_path):
    path = tmp_path / "config.yaml"
    result = run_cli(
        ["config", "set-context", "x", "--prometheus-url", "htp:/x"], env={"OBSCTL_CONFIG": str(path)}
    )
    assert result.exit_code == 2
    assert "not a URL: 'htp:/x'" in result.stderr
    assert not path.exists()


def test_set_context_keeps_a_backup_of_commented_files(run_cli, tmp_path):
    env, path = cfg_env(tmp_path, "# team notes\n" + CONFIG)
    result = run_cli(["config", "set-context", "dev", "--jaeger-url", "http://j:16686"], env=env)
    assert result.exit_code == 0
    assert "previous file is saved as" in result.stderr
    assert (tmp_path / "obsctl.yaml.bak").read_text().startswith("# team notes")


def test_delete_context(run_cli, tmp_path):
    env, path = cfg_env(tmp_path)
    assert run_cli(["config", "delete-context", "prod"], env=env).exit_code == 0
    doc = yaml.safe_load(path.read_text())
    assert list(doc["contexts"]) == ["dev"] and "current-context" not in doc


def test_path_lists_files(run_cli, tmp_path):
    env = {"OBSCTL_CONFIG": f"{tmp_path}/a.yaml:{tmp_path}/b.yaml"}
    assert run_cli(["config", "path"], env=env).stdout == f"{tmp_path}/a.yaml\n{tmp_path}/b.yaml\n"


def test_default_path_uses_xdg(run_cli, tmp_path):
    result = run_cli(["config", "path"], env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert result.stdout == f"{tmp_path}/xdg/obsctl/config.yaml\n"


def test_invalid_config_exits_2_with_key_path(run_cli, tmp_path):
    env, path = cfg_env(
        tmp_path, "current-context: prod\ncontexts:\n  prod:\n    prometheus: {url: 'htp:/x'}\n"
    )
    result = run_cli(["alerts", "test", "a=b"], env=env)
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[0]
        == f"obsctl: error: {path}: contexts.prod.prometheus.url: not a URL: 'htp:/x'"
    )


def test_current_context_unset(run_cli, tmp_path):
    result = run_cli(["config", "current-context"], env={"OBSCTL_CONFIG": str(tmp_path / "none.yaml")})
    assert result.exit_code == 2
    assert "current-context is not set" in result.stderr
