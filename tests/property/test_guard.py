"""The guard (issue 9 item 9): no user input ends in "internal error" (exit 70) or a traceback.

Generated contexts files, probes files, alert case files, Alertmanager configs, URLs, durations and
times — valid-looking YAML with unknown keys, non-UTF-8 bytes, binary, huge values, deep nesting —
go through the CLI in-process (CliRunner, an HTTP transport that refuses every request, so nothing
leaves the machine; probes only target 127.0.0.1 port 1). Every run must end with a documented
exit code and print no traceback. A few cases also run as real processes through the console entry.
Examples are derandomized so CI is reproducible; the whole file stays well under a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from obsctl.cli import app
from obsctl.core.context import Seams

DOCUMENTED = {0, 1, 2, 3, 4, 5}
ROOT = Path(__file__).resolve().parents[2]
AM_CONFIG = ROOT / "tests" / "fixtures" / "alertmanager" / "amtool_conf.routing.yml"
GUARD = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking: a failure reports its first input
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused by the guard's transport", request=request)


def run(args: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """One in-process CLI run; (exit code, stdout+stderr)."""
    base = {"HOME": tempfile.gettempdir(), "NO_COLOR": "1", "PATH": os.environ.get("PATH", ""), **(env or {})}
    seams = Seams(env=base, stdout_isatty=False, transport=httpx.MockTransport(_refuse), sleep=lambda _s: None)
    result = CliRunner().invoke(app, list(args), obj=seams, env=dict(base), catch_exceptions=True)
    output = result.stdout + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: escaped the error boundary: {result.exception!r}\n{output}")
    return result.exit_code, output


def assert_clean(code: int, output: str, what: object) -> None:
    assert code in DOCUMENTED, f"exit {code} for {what!r}:\n{output[-2000:]}"
    assert "Traceback (most recent call last)" not in output, f"traceback for {what!r}:\n{output[-2000:]}"


# ---- generated file contents -------------------------------------------------------------------

# What argv and environment variables can carry: no NUL, no lone surrogates.
safe_text = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["5s", "300ms", "1000y", "-1s", "0s", "2xx", "80%", "http://[::1", "http://127.0.0.1:99999/"]),
)


def documents(keys: Sequence[str]) -> st.SearchStrategy[Any]:
    """Nested mappings/lists whose keys are mostly the format's own (so parsing goes deep)."""
    key = st.one_of(st.sampled_from(list(keys)), st.text(min_size=1, max_size=12))
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=5), max_leaves=25
    )


def encoded(docs: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """A document as UTF-8 YAML or JSON text (deep, huge and recursive texts: DEEP_OR_HUGE below)."""

    def dump(doc: Any) -> bytes:
        try:
            return yaml.safe_dump(doc, allow_unicode=True).encode()
        except (yaml.YAMLError, ValueError):
            return json.dumps(doc, default=str).encode()

    return st.one_of(
        docs.map(dump),
        docs.map(lambda d: json.dumps(d, default=str).encode()),
    )


def hostile_bytes(docs: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bytes that are not UTF-8 text: binary, Latin-1, UTF-16."""
    return st.one_of(
        st.binary(min_size=1, max_size=300).filter(lambda b: not _is_utf8(b)),
        docs.map(lambda d: yaml.safe_dump(d).encode("utf-16")),
        st.sampled_from([b"contexts:\n  caf\xe9: {}\n", b"\xff\xfe\x00junk", b"probes:\n- name: \xe9\n"]),
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


CONTEXT_KEYS = ["current-context", "contexts", "prod", "prometheus", "alertmanager", "elasticsearch", "jaeger",
                "url", "auth", "bearer", "basic", "token", "token_file", "username", "password", "tls", "ca_file",
                "insecure_skip_verify", "headers", "timeout", "retries", "proxy_url", "health", "logs"]
PROBE_KEYS = ["defaults", "probes", "name", "timeout", "retries", "tags", "http", "tcp", "system", "backend",
              "url", "expect_status", "expect_json", "expect_body", "max_latency", "address", "disk", "memory",
              "path", "warn", "fail", "retry_timeout", "retry_interval"]
CASE_KEYS = ["tests", "cases", "name", "labels", "alert", "expect", "receivers", "at", "firing", "group_by"]
AM_KEYS = ["route", "receivers", "receiver", "routes", "matchers", "match", "match_re", "continue", "group_by",
           "inhibit_rules", "time_intervals", "mute_time_intervals", "global", "name", "source_matchers",
           "target_matchers", "equal", "webhook_configs", "url", "templates"]

conditions = st.one_of(
    st.sampled_from(['$.version =~ "^2\\."', "$.status == 'ok'", "$.a.b[0] > 3", "len($.items) >= 1", "$.x in [1, 2"]),
    st.text(max_size=40),
)


@st.composite
def probes_files(draw: st.DrawFn) -> bytes:
    """Probes that only ever target 127.0.0.1 port 1 (refused at once) or this machine."""
    probe = st.one_of(
        st.fixed_dictionaries(
            {"http": st.fixed_dictionaries(
                {"url": st.sampled_from(["http://127.0.0.1:1/", "http://127.0.0.1:1/?token=x", "http://[::1", "ftp://x"])},
                optional={"expect_status": documents(["2xx"]), "expect_json": conditions, "max_latency": scalars,
                          "body": st.one_of(scalars, st.binary(max_size=8), documents(["a"])),
                          "headers": st.dictionaries(st.sampled_from(["X-A", "X A", "caf\u00e9", "Authorization"]),
                                                     st.one_of(scalars, st.sampled_from(["caf\u00e9", "a\nb"])),
                                                     max_size=2)},
            )},
            optional={"name": st.text(max_size=10), "timeout": st.sampled_from(["200ms", "0s", "-1s", "1000y", 1e300]),
                      "retries": st.integers(-2, 1), "tags": documents(["a"]), "unknown": scalars},
        ),
        st.fixed_dictionaries({"tcp": st.fixed_dictionaries({"address": st.sampled_from(["127.0.0.1:1", "127.0.0.1:99999", "x"])}),
                               "timeout": st.just("200ms")}),
        st.fixed_dictionaries({"system": documents(PROBE_KEYS)}),
        documents(PROBE_KEYS),
    )
    doc = draw(st.one_of(st.fixed_dictionaries({"probes": st.lists(probe, max_size=3)},
                                               optional={"defaults": documents(PROBE_KEYS)}),
                         documents(PROBE_KEYS)))
    return draw(st.one_of(st.just(yaml.safe_dump(doc).encode()), encoded(documents(PROBE_KEYS))))


# ---- the properties ----------------------------------------------------------------------------


CONTEXT_VERBS = st.sampled_from([
    ["config", "get-contexts"], ["config", "view"], ["config", "current-context"],
    ["config", "use-context", "prod"], ["metrics", "query", "up"], ["--context", "prod", "config", "view"],
])


def check_contexts_file(tmp_path: Path, data: bytes, verb: list[str]) -> None:
    path = write(tmp_path, "contexts.yaml", data)
    code, out = run(verb, env={"OBSCTL_CONFIG": str(path)})
    assert_clean(code, out, (data[:200], verb))


@GUARD
@given(data=encoded(documents(CONTEXT_KEYS)), verb=CONTEXT_VERBS)
def test_contexts_files(tmp_path: Path, data: bytes, verb: list[str]) -> None:
    check_contexts_file(tmp_path, data, verb)


@GUARD
@given(data=hostile_bytes(documents(CONTEXT_KEYS)), verb=CONTEXT_VERBS)
def test_contexts_files_not_utf8(tmp_path: Path, data: bytes, verb: list[str]) -> None:
    check_contexts_file(tmp_path, data, verb)


def check_probes_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "probes.yaml", data)
    code, out = run(["health", "-f", str(path), "-j", "4"])
    assert_clean(code, out, data[:300])


@GUARD
@given(data=probes_files())
def test_probes_files(tmp_path: Path, data: bytes) -> None:
    check_probes_file(tmp_path, data)


@GUARD
@given(condition=conditions)
def test_probe_json_conditions(tmp_path: Path, condition: str) -> None:
    doc = {"probes": [{"http": {"url": "http://127.0.0.1:1/", "expect_json": condition}, "timeout": "200ms"}]}
    check_probes_file(tmp_path, yaml.safe_dump(doc).encode())


@GUARD
@given(data=hostile_bytes(documents(PROBE_KEYS)))
def test_probes_files_not_utf8(tmp_path: Path, data: bytes) -> None:
    check_probes_file(tmp_path, data)


def check_case_file(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "cases.yaml", data)
    code, out = run(["alerts", "test", "--config.file", str(AM_CONFIG), "-f", str(path)])
    assert_clean(code, out, data[:300])


@GUARD
@given(data=encoded(documents(CASE_KEYS)))
def test_alert_case_files(tmp_path: Path, data: bytes) -> None:
    check_case_file(tmp_path, data)


@GUARD
@given(data=hostile_bytes(documents(CASE_KEYS)))
def test_alert_case_files_not_utf8(tmp_path: Path, data: bytes) -> None:
    check_case_file(tmp_path, data)


AM_VERBS = st.sampled_from([["alerts", "check"], ["alerts", "test", "--config.file"], ["alerts", "routes", "--config.file"]])


@GUARD
@given(data=st.one_of(encoded(documents(AM_KEYS)), hostile_bytes(documents(AM_KEYS))), verb=AM_VERBS)
def test_alertmanager_configs(tmp_path: Path, data: bytes, verb: list[str]) -> None:
    path = write(tmp_path, "alertmanager.yml", data)
    code, out = run([*verb, str(path), *(["severity=critical"] if "test" in verb else [])])
    assert_clean(code, out, (data[:300], verb))


urls = st.one_of(
    st.sampled_from(["http://[::1", "http://127.0.0.1:99999", "http://127.0.0.1:9090/?api_key=X", "unix:///x",
                     "127.0.0.1:9090", "http://user:pa ss@127.0.0.1/", "https://", "http://%00/", "http://[fe80::1%eth0]:1/",
                     "http://999.1.1.1/", "http://xn--a/", "http://a..b/", "http://\u00bb/", "https://h/#\x03",
                     "http://h/" + "a" * 70_000]),
    st.builds(lambda s, h, p, q: f"{s}://{h}{p}{q}", st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
              safe_text.filter(lambda t: len(t) <= 15), st.sampled_from(["", ":0", ":65536", ":-1", ":abc", ":9090"]),
              safe_text.filter(lambda t: len(t) <= 10)),
)


@GUARD
@given(url=urls, where=st.sampled_from(["env", "flag"]))
def test_urls(url: str, where: str) -> None:
    if where == "env":
        code, out = run(["metrics", "query", "up"], env={"OBSCTL_PROMETHEUS_URL": url})
    else:
        code, out = run(["metrics", "query", "up", "--url", url])
    assert_clean(code, out, url)


@GUARD
@given(token=safe_text.filter(lambda t: len(t) <= 8), which=st.sampled_from(["TOKEN", "TENANT", "USERNAME", "API_KEY", "TIMEOUT", "RETRIES", "PATH_PREFIX"]))
def test_env_secrets_and_tenants(token: str, which: str) -> None:
    env = {"OBSCTL_PROMETHEUS_URL": "http://127.0.0.1:1", f"OBSCTL_PROMETHEUS_{which}": token, "OBSCTL_PROMETHEUS_PASSWORD": "p"}
    code, out = run(["metrics", "query", "up"], env=env)
    assert_clean(code, out, (which, token))


durations = st.one_of(
    st.sampled_from(["1000y", "0s", "-5m", "1e400s", "9" * 40 + "s", "5m3", "1h30m", "NaN", "inf", "", "ms", "5mm"]),
    safe_text.filter(lambda t: len(t) <= 12),
)
times = st.one_of(
    st.sampled_from(["now-1000y", "now+1h", "2026-13-45T99:00:00Z", "99999999999999999999", "-1", "1e20",
                     "2026-01-02T03:04:05+25:00", "now-", "yesterday", "1700000000000"]),
    safe_text.filter(lambda t: len(t) <= 16),
)


@GUARD
@given(since=durations, at=times, which=st.sampled_from(["since", "time", "range", "step", "alerts-at"]))
def test_durations_and_times(since: str, at: str, which: str) -> None:
    env = {"OBSCTL_PROMETHEUS_URL": "http://127.0.0.1:9090"}
    args = {
        "since": ["metrics", "query", "up", "--since", since],
        "time": ["metrics", "query", "up", "--time", at],
        "range": ["metrics", "query", "up", "--from", at, "--to", "now"],
        "step": ["metrics", "query", "up", "--since", "1h", "--step", since],
        "alerts-at": ["alerts", "test", "--config.file", str(AM_CONFIG), "--at", at, "a=b"],
    }[which]
    code, out = run(args, env=env)
    assert_clean(code, out, args)


DEEP_OR_HUGE = {
    "deep-flow": b"[" * 2000,
    "deep-block": b"a:\n" + b"".join(b"  " * i + b"b:\n" for i in range(1, 150)),
    "huge-int": b"key: " + b"9" * 5000 + b"\n",
    "recursive-alias": b"x: &a [*a]\n",
    "python-tag": b"!!python/object:os.system {}\n",
    "deep-probes": b"probes: " + b"[" * 500 + b"]" * 500 + b"\n",
    "deep-valid": b"contexts: {prod: {prometheus: {url: 'http://127.0.0.1:1', headers: "
    + b"[" * 300 + b"]" * 300 + b"}}}\n",
    "billion-laughs": b"".join(b"l%d: &l%d [*l%d, *l%d]\n" % (i, i, i - 1, i - 1) for i in range(1, 40)).join(
        [b"l0: &l0 [x, y]\n", b"route: {receiver: a}\n"]
    ),
    "binary-and-dates": b"a: !!binary AAAA\nb: 2026-13-45\nc: !!set {x}\n",
    "binary-probe-body": b"probes:\n- http: {url: 'http://127.0.0.1:1/', body: !!binary AAAA, method: POST}\n"
    b"- http: {url: 'http://127.0.0.1:1/', body: {a: !!binary AAAA}}\n",
    "unsendable-header": b"probes:\n- http: {url: 'http://127.0.0.1:1/', headers: {X-A: caf\xc3\xa9}}\n",
}
KINDS = {
    "contexts": lambda f: (["config", "view"], {"OBSCTL_CONFIG": str(f)}),
    "contexts-edit": lambda f: (["config", "use-context", "prod"], {"OBSCTL_CONFIG": str(f)}),
    "probes": lambda f: (["health", "-f", str(f)], {}),
    "cases": lambda f: (["alerts", "test", "--config.file", str(AM_CONFIG), "-f", str(f)], {}),
    "alertmanager": lambda f: (["alerts", "check", str(f)], {}),
}
@pytest.mark.parametrize(
    "kind, sample",
    [(k, n) for k in KINDS for n in DEEP_OR_HUGE],
)
def test_deep_huge_and_recursive_files(tmp_path: Path, kind: str, sample: str) -> None:
    args, env = KINDS[kind](write(tmp_path, "input.yaml", DEEP_OR_HUGE[sample]))
    code, out = run(args, env)
    assert_clean(code, out, (kind, sample))


@pytest.mark.parametrize(
    "args, files",
    [
        (["health", "-f", "{f}"], b"\xff\xfeprobes: []"),
        (["alerts", "check", "{f}"], b"route: " + b"[" * 3000),
        (["config", "view"], b"contexts: {a: " + b"9" * 10000 + b"}"),
        (["metrics", "query", "up", "--since", "1000y"], b""),
    ],
)
def test_real_processes_never_print_a_traceback(tmp_path: Path, args: list[str], files: bytes) -> None:
    target = write(tmp_path, "input.yaml", files)
    env = {**os.environ, "OBSCTL_CONFIG": str(target), "OBSCTL_PROMETHEUS_URL": "http://127.0.0.1:1",
           "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    argv = [a.replace("{f}", str(target)) for a in args]
    proc = subprocess.run([sys.executable, "-m", "obsctl", *argv], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert_clean(proc.returncode, proc.stdout + proc.stderr, argv)
