"""Helpers for the amtool differential tests: run amtool, generate configs and label sets."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from obsctl.alerts.config import AlertmanagerConfig

AMTOOL = shutil.which("amtool")

# Values that exercise RE2 vs Python-re differences, escaping, Unicode and empty labels.
TRICKY_VALUES = [
    "",
    "x",
    "y",
    "z",
    "a",
    "b",
    "aa",
    "aaa",
    "aaaa",
    "abc",
    "ABC",
    "abc\n",
    "a\nb",
    "aXb",
    "a.b",
    "foo",
    "foo bar",
    "foo.bar",
    " ",
    "  ",
    "Ωμέγα",
    "αβγ",
    "\u212a",
    "k",
    "K",
    "123",
    "12a",
    "/api/v1",
    "/apix",
    "a, b",
    'say "hi"',
    "line1\nline2",
    "back\\slash",
    "spurious\\d",
    "unquoted value",
    "ünïcødé",
    "日本語",
    "STRASSE",
    "straße",
    "🔥",
    "😀",
    ".*",
    "x,y",
    "1",
    "2",
    "3",
    "prometheus",
    "node_exporter",
    "localhost:9090",
    "critical",
    "warning",
    "info",
    "prod",
    "dev",
    "db",
    "storage",
    "api",
    "web",
    "500",
    "true",
    "1.0",
    "0x1F",
    "yes",
    "Watchdog",
    "InfoInhibitor",
    "foo\t",
    "tab\there",
]


def amtool_receivers(config: Path, args: Sequence[str], timeout: float = 20) -> tuple[int, str, str]:
    """(exit code, stdout without the trailing newline, stderr) of `amtool config routes test`."""
    assert AMTOOL is not None
    proc = subprocess.run(
        [AMTOOL, "config", "routes", "test", f"--config.file={config}", "--", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    out = proc.stdout[:-1] if proc.stdout.endswith("\n") else proc.stdout
    return proc.returncode, out, proc.stderr


def amtool_check(config: Path) -> tuple[int, str]:
    """(exit code, combined output) of `amtool check-config`."""
    assert AMTOOL is not None
    proc = subprocess.run(
        [AMTOOL, "check-config", str(config)], capture_output=True, text=True, timeout=20, check=False
    )
    return proc.returncode, proc.stdout + proc.stderr


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def label_arg(name: str, value: str, rng: random.Random) -> str:
    """An amtool label argument for name=value; usually quoted, sometimes in the bare form."""
    bare_ok = value == value.strip() and not any(c in value for c in '"\\\n\t') and value != ""
    if bare_ok and rng.random() < 0.3:
        return f"{name}={value}"
    if rng.random() < 0.1:
        return f'{name} = "{_escape(value)}"'
    return f'{name}="{_escape(value)}"'


def candidate_values(cfg: AlertmanagerConfig) -> dict[str, list[str]]:
    """Per label name: the literal values the config mentions (plus pieces of simple regex alternations)."""
    out: dict[str, set[str]] = {}
    rules = [m for r in cfg.inhibit_rules for m in (*r.source_matchers, *r.target_matchers)]
    for m in [*(m for r in cfg.route.walk() for m in r.compiled), *rules]:
        vals = out.setdefault(m.name, set())
        vals.add(m.value)
        if m.is_regex:
            for part in m.value.split("|"):
                if part and all(c.isalnum() or c in "_-: " for c in part):
                    vals.add(part)
    return {k: sorted(v) for k, v in out.items()}


def label_sets(cfg: AlertmanagerConfig, n: int, rng: random.Random) -> list[list[str]]:
    """n argument lists for amtool, biased towards values the config's matchers mention."""
    cands = candidate_values(cfg)
    names = sorted(cands) or ["alertname"]
    out: list[list[str]] = []
    routes = list(cfg.route.walk())
    for _ in range(n):
        chosen = [x for x in names if rng.random() < 0.6]
        if rng.random() < 0.2:
            chosen.append(rng.choice(["alertname", "extra", "severity", "instance"]))
        values: dict[str, str] = {}
        for name in chosen:
            pool = cands.get(name, [])
            values[name] = rng.choice(pool) if pool and rng.random() < 0.7 else rng.choice(TRICKY_VALUES)
        if rng.random() < 0.5:
            # aim at one route: give every label its equality matchers name (deep paths get hit)
            target = rng.choice(routes)
            for m in target.compiled:
                if m.op == "=":
                    values[m.name] = m.value
                elif m.op == "=~" and rng.random() < 0.7:
                    values[m.name] = rng.choice(m.value.split("|"))
        out.append([label_arg(k, v, rng) for k, v in values.items()])
    return out


_R_NAMES = ["a", "b", "c", "sev", "team"]
_R_VALUES = ["", "x", "y", "a1", "X", "1", "22", "abc"]
_R_REGEX = ["x|y", ".*", ".+", "a.*", "[0-9]+", "(?i)X", "", "x?", "a1|abc", "[^x]*"]


def random_config(rng: random.Random, idx: int) -> str:
    """A random but valid routing tree (depth <= 3) using every matcher style."""
    receivers: list[str] = ["root"]

    def matcher_lines(k: int) -> list[str]:
        out = []
        for _ in range(k):
            name = rng.choice(_R_NAMES)
            op = rng.choice(["=", "!=", "=~", "!~"])
            value = rng.choice(_R_REGEX if "~" in op else _R_VALUES)
            out.append(f'{name}{op}"{value}"')
        return out

    def node(depth: int, indent: str) -> list[str]:
        lines: list[str] = []
        style = rng.random()
        k = rng.choice([0, 1, 1, 1, 2])
        if style < 0.2 and k:
            name = rng.choice(_R_NAMES)
            lines.append(f"{indent}match: {{{name}: '{rng.choice(_R_VALUES[1:])}'}}")
        elif style < 0.35 and k:
            name = rng.choice(_R_NAMES)
            lines.append(f"{indent}match_re: {{{name}: '{rng.choice(_R_REGEX)}'}}")
        elif k:
            items = ", ".join("'" + m.replace("'", "''") + "'" for m in matcher_lines(k))
            lines.append(f"{indent}matchers: [{items}]")
        if rng.random() < 0.7:
            recv = f"r{idx}_{len(receivers)}"
            receivers.append(recv)
            lines.append(f"{indent}receiver: {recv}")
        if rng.random() < 0.3:
            lines.append(f"{indent}continue: true")
        if depth < 3 and rng.random() < 0.5:
            lines.append(f"{indent}routes:")
            for _ in range(rng.randint(1, 4)):
                child = node(depth + 1, indent + "    ")
                child[0] = indent + "  - " + child[0].lstrip()
                lines.extend(child)
        if not lines:
            lines.append(f"{indent}group_wait: 10s")
        return lines

    body = ["route:", "  receiver: root", "  routes:"]
    for _ in range(rng.randint(2, 5)):
        child = node(1, "      ")
        child[0] = "    - " + child[0].lstrip()
        body.extend(child)
    body.append("receivers:")
    body.extend(f"  - name: {r}" for r in receivers)
    return "\n".join(body) + "\n"


# Configs amtool check-config rejects; (file name, YAML, text obsctl's message must contain, line).
INVALID_CONFIGS: list[tuple[str, str, str, int | None]] = [
    ("yaml_syntax.yml", "route:\n  receiver: a\n   routes: [\nreceivers: [{name: a}]\n", "invalid YAML", 3),
    (
        "unknown_field.yml",
        "route:\n  receiver: a\n  recevier: b\nreceivers: [{name: a}]\n",
        "field recevier not found",
        3,
    ),
    (
        "undefined_receiver.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: nope\nreceivers: [{name: a}]\n",
        'undefined receiver "nope"',
        4,
    ),
    (
        "duplicate_receiver.yml",
        "route: {receiver: a}\nreceivers:\n  - name: a\n  - name: a\n",
        'notification config name "a" is not unique',
        4,
    ),
    (
        "bad_match_re.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      match_re: {x: '(('}\nreceivers: [{name: a}]\n",
        "error parsing regexp",
        5,
    ),
    (
        "bad_matcher_regex.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      matchers: ['x=~\"[z-a]\"']\nreceivers: [{name: a}]\n",
        "error parsing regexp",
        5,
    ),
    (
        "bad_matcher_format.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      matchers: ['just-a-word']\nreceivers: [{name: a}]\n",
        "bad matcher format",
        5,
    ),
    (
        "unescaped_quote.yml",
        'route:\n  receiver: a\n  routes:\n    - receiver: a\n      matchers: [\'x="a"b"\']\nreceivers: [{name: a}]\n',
        "unescaped double quote",
        5,
    ),
    (
        "root_matchers.yml",
        "route:\n  receiver: a\n  matchers: ['x=\"y\"']\nreceivers: [{name: a}]\n",
        "root route must not have any matchers",
        2,
    ),
    (
        "root_no_receiver.yml",
        "route:\n  group_by: [x]\nreceivers: [{name: a}]\n",
        "root route must specify a default receiver",
        2,
    ),
    (
        "undefined_time_interval.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      mute_time_intervals: [nights]\nreceivers: [{name: a}]\n",
        'undefined time interval "nights"',
        4,
    ),
    (
        "bad_duration.yml",
        "route:\n  receiver: a\n  group_wait: 5x\nreceivers: [{name: a}]\n",
        "not a valid duration",
        3,
    ),
    (
        "zero_repeat.yml",
        "route:\n  receiver: a\n  repeat_interval: 0s\nreceivers: [{name: a}]\n",
        "repeat_interval cannot be zero",
        3,
    ),
    (
        "root_continue.yml",
        "route:\n  receiver: a\n  continue: true\nreceivers: [{name: a}]\n",
        "cannot have continue in root route",
        None,
    ),
    (
        "bad_label_name.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      match: {'bad-name': x}\nreceivers: [{name: a}]\n",
        'invalid label name "bad-name"',
        None,
    ),
    (
        "group_by_dup.yml",
        "route:\n  receiver: a\n  group_by: [x, x]\nreceivers: [{name: a}]\n",
        'duplicated label "x"',
        3,
    ),
    (
        "group_by_wildcard_mix.yml",
        "route:\n  receiver: a\n  group_by: ['...', x]\nreceivers: [{name: a}]\n",
        "cannot have wildcard group_by",
        3,
    ),
    (
        "bad_weekday.yml",
        "route: {receiver: a}\nreceivers: [{name: a}]\ntime_intervals:\n  - name: t\n    time_intervals: [{weekdays: [funday]}]\n",
        "funday is not a valid weekday",
        5,
    ),
    (
        "dup_time_interval.yml",
        "route: {receiver: a}\nreceivers: [{name: a}]\nmute_time_intervals:\n  - name: t\n    time_intervals: [{months: [may]}]\n  - name: t\n    time_intervals: [{months: [june]}]\n",
        'mute time interval "t" is not unique',
        6,
    ),
    (
        "webhook_no_url.yml",
        "route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs: [{send_resolved: true}]\n",
        "one of url or url_file must be configured",
        4,
    ),
    (
        "go_named_group.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      matchers: ['x=~\"(?<n>a)\"']\nreceivers: [{name: a}]\n",
        "invalid or unsupported Perl syntax",
        5,
    ),
    (
        "go_backslash_c.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      match_re: {x: 'a\\C'}\nreceivers: [{name: a}]\n",
        "invalid escape sequence",
        5,
    ),
    (
        "email_no_smarthost.yml",
        "route: {receiver: a}\nreceivers:\n  - name: a\n    email_configs: [{to: ops@example.org}]\n",
        "no global SMTP smarthost set",
        4,
    ),
    ("no_route.yml", "receivers: [{name: a}]\n", "no route provided", None),
    (
        "receiver_no_name.yml",
        "route: {receiver: a}\nreceivers:\n  - name: a\n  - webhook_configs: [{url: 'http://x/'}]\n",
        "missing name in receiver",
        4,
    ),
    (
        "bad_bool.yml",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      continue: maybe\nreceivers: [{name: a}]\n",
        "into bool",
        5,
    ),
    (
        "bad_time_range.yml",
        "route: {receiver: a}\nreceivers: [{name: a}]\ntime_intervals:\n  - name: t\n    time_intervals: [{times: [{start_time: '17:00', end_time: '09:00'}]}]\n",
        "start time cannot be equal or greater than end time",
        5,
    ),
    (
        "bad_location.yml",
        "route: {receiver: a}\nreceivers: [{name: a}]\ntime_intervals:\n  - name: t\n    time_intervals: [{location: Mars/Olympus_Mons}]\n",
        "unknown time zone",
        5,
    ),
    (
        "duplicate_key.yml",
        "route:\n  receiver: a\n  receiver: b\nreceivers: [{name: a}, {name: b}]\n",
        "already set in map",
        3,
    ),
    (
        "bad_url.yml",
        "route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs: [{url: 'ftp://x/'}]\n",
        "unsupported scheme",
        4,
    ),
]
