"""`instrument init` / `remove` on the four sample services: edits, safety, round trip."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.integration.instrument import samples
from tests.integration.instrument.conftest import run_python

ALL = list(samples.SAMPLES)

# Per sample: a script that exercises the instrumented app in-process and prints JSON.
PROBES = {
    "fastapi-pep621": """
        from fastapi.testclient import TestClient
        from shop.main import app
        c = TestClient(app)
        c.get("/items/41"); c.get("/items/42")
        out = {"ready": c.get("/health/ready").status_code, "live": c.get("/health/live").json()["status"],
               "metrics": c.get("/metrics").text}
    """,
    "fastapi-poetry-factory": """
        from fastapi.testclient import TestClient
        from billing.app import create_app
        c = TestClient(create_app())
        c.get("/invoices/X9")
        out = {"ready": c.get("/health/ready").status_code, "live": c.get("/health/live").json()["status"],
               "metrics": c.get("/metrics").text}
    """,
    "flask-requirements": """
        from app import app
        c = app.test_client()
        c.get("/hello/ann")
        out = {"ready": c.get("/health/ready").status_code, "live": c.get("/health/live").get_json()["status"],
               "metrics": c.get("/metrics").get_data(as_text=True)}
    """,
    "django": """
        import site_conf.wsgi
        from django.test import Client
        c = Client()
        c.get("/books/5/")
        out = {"ready": c.get("/health/ready").status_code, "live": c.get("/health/live").json()["status"],
               "metrics": c.get("/metrics").content.decode()}
    """,
}
ROUTES = {
    "fastapi-pep621": 'route="/items/{item_id}"',
    "fastapi-poetry-factory": 'route="/invoices/{number}"',
    "flask-requirements": 'route="/hello/<name>"',
    "django": 'route="/books/<int:pk>/"',
}

CHECKS = ("app answered", "/health/ready answered", "request counter moved", "spans arrived",
          "log line carries a trace id")


def _running(needle: str) -> bool:
    """Whether a live process has `needle` in its command line (reads /proc, no pgrep needed)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if needle.encode() in cmdline.read_bytes():
                return True
        except OSError:
            continue
    return False


def _probe(root, name):
    script = textwrap.dedent(PROBES[name]) + "\nimport json; print('PROBE' + json.dumps(out))\n"
    proc = run_python(root, "-c", script)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("PROBE"))
    return json.loads(line[5:]), proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_init_then_remove_round_trip(run_cli, sample, name):
    root = sample(name)
    before = samples.snapshot(root)

    dry = run_cli(["instrument", "init", str(root), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "+++ b/" in dry.stdout and "new files" in dry.stderr
    assert samples.snapshot(root) == before, "--dry-run wrote something"

    applied = run_cli(["instrument", "init", str(root)])
    assert applied.exit_code == 0, applied.output
    after = samples.snapshot(root)
    assert after != before

    own_tests = run_python(root, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr

    out, stdout = _probe(root, name)
    assert out["ready"] == 200 and out["live"] == "alive"
    assert ROUTES[name] in out["metrics"] and "http_requests_total" in out["metrics"]
    assert 'route="/health' not in out["metrics"], "probes must not be counted"

    checked = run_cli(["instrument", "check", str(root), "-o", "json", "--timeout", "60"])
    assert checked.exit_code == 0, checked.output
    verdicts = {r["name"]: r["status"] for r in json.loads(checked.stdout)["results"]}
    assert verdicts == dict.fromkeys(CHECKS, "pass")

    samples.git(root, "add", "-A")
    samples.git(root, "commit", "-qm", "instrumented")
    again = run_cli(["instrument", "init", str(root)])
    assert again.exit_code == 0
    assert "already instrumented" in again.stderr
    assert samples.snapshot(root) == after

    removed = run_cli(["instrument", "remove", str(root)])
    assert removed.exit_code == 0, removed.output
    assert samples.snapshot(root) == before, "remove did not restore the tree byte for byte"
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*observability*"))
    assert left == [], f"remove left {left}"


def test_django_wsgi_and_asgi_both_get_the_call(run_cli, sample):
    root = sample("django")
    result = run_cli(["instrument", "init", str(root), "--dry-run", "--no-ops"])
    assert result.exit_code == 0, result.output
    for name in ("wsgi", "asgi"):
        hunk = result.stdout.split(f"+++ b/site_conf/{name}.py")[1].split("--- a/")[0]
        assert [x for x in hunk.splitlines() if x.startswith("+")] == [
            "+from site_conf.observability import instrument", "+instrument()"]


def test_edits_are_one_import_and_one_call(run_cli, sample):
    root = sample("fastapi-pep621")
    result = run_cli(["instrument", "init", str(root), "--dry-run", "--no-ops"])
    diff = result.stdout
    main_hunk = diff.split("+++ b/shop/main.py")[1].split("--- a/")[0]
    added = [line for line in main_hunk.splitlines() if line.startswith("+")]
    assert added == ["+from shop.observability import instrument", "+instrument(app)"]
    assert "-" not in "".join(line[0] for line in main_hunk.splitlines() if line)
    assert '"prometheus-client==0.20.0",  # pinned on purpose' in (root / "pyproject.toml").read_text()
    assert "prometheus-client>=" not in diff, "a user's pin must never be changed or duplicated"


def test_poetry_factory_plan(run_cli, sample):
    root = sample("fastapi-poetry-factory")
    result = run_cli(["instrument", "init", str(root), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+    instrument(application)" in result.stdout
    assert '+opentelemetry-instrumentation-httpx = ">=0.66b0,<0.67"' in result.stdout
    assert "gunicorn.conf.py" in result.stderr
    assert "poetry lock" in result.stderr
    run_cli(["instrument", "init", str(root)])
    import tomlkit

    deps = tomlkit.parse((root / "pyproject.toml").read_text())["tool"]["poetry"]["dependencies"]
    assert deps["opentelemetry-api"] == "~1.45.0" and deps["opentelemetry-sdk"] == ">=1.45.0,<1.46"
    assert (root / "poetry.lock").read_text().startswith("# This file is automatically")
    assert samples.git(root, "status", "--porcelain", "poetry.lock") == ""


def test_dirty_user_file_is_refused(run_cli, sample):
    root = sample("fastapi-pep621")
    (root / "shop/main.py").write_text((root / "shop/main.py").read_text() + "# wip\n")
    before = samples.snapshot(root)
    result = run_cli(["instrument", "init", str(root)])
    assert result.exit_code == 2
    assert "uncommitted changes in shop/main.py" in result.stderr
    assert samples.snapshot(root) == before
    forced = run_cli(["instrument", "init", str(root), "--force"])
    assert forced.exit_code == 0, forced.output


def test_edited_generated_file_is_never_overwritten_or_deleted(run_cli, sample):
    root = sample("flask-requirements")
    assert run_cli(["instrument", "init", str(root)]).exit_code == 0
    health = root / "observability/health.py"
    health.write_text(health.read_text() + "\n# my own check\n")
    web = root / "observability/web.py"
    web.write_text(web.read_text() + "\n# my own hook\n")
    samples.git(root, "add", "-A")
    samples.git(root, "commit", "-qm", "mine")
    same = run_cli(["instrument", "init", str(root)])
    assert same.exit_code == 0 and "already instrumented" in same.stderr, same.output
    again = run_cli(["instrument", "init", str(root), "--sentry"])  # web.py would change: refused
    assert again.exit_code == 2
    assert "observability/web.py was edited" in again.stderr
    assert health.read_text().endswith("# my own check\n") and web.read_text().endswith("# my own hook\n")
    assert not (root / "observability/sentry.py").exists(), "a refused run must write nothing"
    removed = run_cli(["instrument", "remove", str(root)])
    assert removed.exit_code == 2 and "refusing to delete" in removed.stderr
    assert health.exists()


def test_unknown_layout_asks_for_app(run_cli, tmp_path):
    (tmp_path / "requirements.txt").write_text("fastapi\n")
    (tmp_path / "a.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    (tmp_path / "b.py").write_text("from fastapi import FastAPI\napi = FastAPI()\n")
    result = run_cli(["instrument", "init", str(tmp_path), "--dry-run"])
    assert result.exit_code == 2
    assert "several apps found" in result.stderr and "--app module:attr" in result.stderr
    chosen = run_cli(["instrument", "init", str(tmp_path), "--dry-run", "--app", "b:api"])
    assert chosen.exit_code == 0, chosen.output
    assert "+instrument(api)" in chosen.stdout


@pytest.mark.slow
def test_check_fails_and_stops_the_app_when_it_never_answers(run_cli, sample):
    root = sample("flask-requirements")
    assert run_cli(["instrument", "init", str(root), "--no-ops"]).exit_code == 0
    marker = root / "started"
    cmd = f"{sys.executable} -c \"import pathlib, time; pathlib.Path('{marker}').write_text('x'); time.sleep(60)\""
    result = run_cli(["instrument", "check", str(root), "--cmd", cmd, "--timeout", "2", "-o", "json"])
    assert result.exit_code == 1
    first = json.loads(result.stdout)["results"][0]
    assert first["name"] == "app answered" and first["status"] == "fail"
    assert marker.exists()
    assert not _running(str(marker)), "the app was left running"


def test_check_on_a_project_that_is_not_instrumented(run_cli, sample):
    root = sample("fastapi-pep621")
    result = run_cli(["instrument", "check", str(root)])
    assert result.exit_code == 2
    assert "obsctl instrument init" in result.stderr


@pytest.mark.slow
def test_check_under_gunicorn_workers_uses_multiprocess_metrics(run_cli, sample):
    root = sample("fastapi-poetry-factory")
    assert run_cli(["instrument", "init", str(root), "--no-ops"]).exit_code == 0
    assert (root / "gunicorn.conf.py").is_file()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    cmd = f"{gunicorn} -k uvicorn.workers.UvicornWorker -w 2 -b 127.0.0.1:{{port}} billing.app:create_app()"
    result = run_cli(["instrument", "check", str(root), "--cmd", cmd, "--route", "/invoices/1", "-o", "json"])
    assert result.exit_code == 0, result.output
    moved = next(r for r in json.loads(result.stdout)["results"] if r["name"] == "request counter moved")
    assert moved["summary"] == "http_requests_total +3 after 3 requests"


@pytest.mark.slow
def test_ctrl_c_stops_the_app_and_exits_130(run_cli, sample, tmp_path):
    root = sample("flask-requirements")
    assert run_cli(["instrument", "init", str(root), "--no-ops"]).exit_code == 0
    marker = tmp_path / "app-started"
    app = f"{sys.executable} -c \"import pathlib, time; pathlib.Path('{marker}').write_text('x'); time.sleep(60)\""
    obsctl = [sys.executable, "-m", "obsctl", "instrument", "check", str(root), "--cmd", app, "--timeout", "50"]
    proc = subprocess.Popen(obsctl, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            if marker.exists():
                break
            time.sleep(0.05)
        assert marker.exists(), "the app never started"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert not _running(str(marker)), "the app was left running after Ctrl-C"


def test_plan_warns_when_the_app_already_serves_health(run_cli, sample):
    root = sample("flask-requirements")
    app_py = root / "app.py"
    app_py.write_text(app_py.read_text().replace('@app.route("/hello/<name>")', '@app.route("/health")\ndef h():\n    return "ok"\n\n\n@app.route("/hello/<name>")'))
    result = run_cli(["instrument", "init", str(root), "--dry-run"])
    assert result.exit_code == 0
    assert "your app already defines /health" in result.stderr


def test_sentry_is_opt_in_and_a_no_op_without_dsn(run_cli, sample):
    root = sample("flask-requirements")
    result = run_cli(["instrument", "init", str(root), "--sentry", "--no-ops"])
    assert result.exit_code == 0, result.output
    assert "sentry-sdk>=2,<3" in (root / "requirements.txt").read_text()
    probe = run_python(root, "-c", "from app import app; import sentry_sdk;"
                       "print(app.test_client().get('/health').status_code, sentry_sdk.is_initialized())")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().endswith("200 False")


def test_remove_dry_run_writes_nothing(run_cli, sample):
    root = sample("fastapi-pep621")
    assert run_cli(["instrument", "init", str(root)]).exit_code == 0
    before = samples.snapshot(root)
    result = run_cli(["instrument", "remove", str(root), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "-instrument(app)" in result.stdout and "dry run: nothing written" in result.stderr
    assert samples.snapshot(root) == before


def test_files_of_an_earlier_run_stay_tracked_for_remove(run_cli, sample):
    root = sample("fastapi-pep621")
    before = samples.snapshot(root)
    assert run_cli(["instrument", "init", str(root)]).exit_code == 0
    samples.git(root, "add", "-A")
    samples.git(root, "commit", "-qm", "instrumented")
    assert run_cli(["instrument", "init", str(root), "--no-ops", "--sentry"]).exit_code == 0
    assert (root / "shop/observability/sentry.py").is_file()
    assert run_cli(["instrument", "remove", str(root)]).exit_code == 0
    assert samples.snapshot(root) == before


@pytest.mark.parametrize("ratio", ["1.5", "-0.1"])
def test_sample_ratio_outside_zero_to_one_is_refused_before_anything_is_written(run_cli, sample, ratio):
    root = sample("fastapi-pep621")
    before = samples.snapshot(root)
    result = run_cli(["instrument", "init", str(root), "--sample-ratio", ratio])
    assert result.exit_code == 2
    assert f"--sample-ratio {float(ratio):g} is not between 0 and 1" in result.stderr
    assert "0.05 (5% of new traces)" in result.stderr
    assert samples.snapshot(root) == before
