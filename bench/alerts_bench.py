"""Bench: `obsctl alerts test` next to amtool, whole processes, interleaved in one run.

Three comparisons, each printed with medians and a ratio:
1. one `obsctl alerts test --am-config X labels` vs one `amtool config routes test --config.file=X labels`
   on the same config: the generated 200-route tree and a real-world one (kube-prometheus), plus the
   same run forced through the typer CLI, for reference (goal: <= 4x amtool; Python start-up and
   imports are most of it);
2. `obsctl alerts test -f` over 10,000 cases written as a YAML (block style) vs as a JSON case file
   (goal: YAML <= 1.15x JSON);
3. per case: the 10,000-case run vs amtool run once per case on a sample, with agreement checked.

Run: .venv/bin/python bench/alerts_bench.py [--cases 10000] [--routes 200] [--rounds 9] [--amtool-sample 50]
       [--single-only]
It runs the installed console script next to this interpreter (.venv/bin/obsctl), never `python -m`,
after writing the package's .pyc files as a wheel install does.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import env_with, interleaved, median_ms, obsctl_script, precompile_package

REAL_WORLD = (
    Path(__file__).resolve().parent.parent / "tests/fixtures/alertmanager/kube_prometheus_alertmanager.yaml"
)
TEAMS = [f"team{i}" for i in range(40)]
SERVICES = [f"svc{i}" for i in range(30)]
SEVERITIES = ["critical", "warning", "info"]
ENVS = ["prod", "staging", "dev"]


def make_config(n_routes: int, rng: random.Random) -> tuple[str, list[str]]:
    """A realistic tree: per-team routes with nested severity/service/env children; ~n_routes nodes."""
    lines = ["route:", "  receiver: default", "  group_by: [alertname, cluster]", "  routes:"]
    receivers = ["default"]
    count = 0
    t = 0
    while count < n_routes:
        team = TEAMS[t % len(TEAMS)]
        t += 1
        recv = f"{team}-{t}"
        receivers.append(recv)
        lines += [f"    - matchers: ['team=\"{team}\"']", f"      receiver: {recv}", "      routes:"]
        count += 1
        for sev in SEVERITIES:
            r2 = f"{recv}-{sev}"
            receivers.append(r2)
            lines += [
                f"        - matchers: ['severity=~\"{sev}|{sev}-.*\"', 'env!=\"dev\"']",
                f"          receiver: {r2}",
                "          continue: true" if sev == "critical" else "          group_wait: 10s",
            ]
            count += 1
        svc = rng.choice(SERVICES)
        lines += [f"        - match_re: {{service: '{svc}|{svc}-canary'}}", f"          receiver: {recv}-svc"]
        receivers.append(f"{recv}-svc")
        count += 1
    lines.append("receivers:")
    lines += [f"  - name: {r}" for r in receivers]
    return "\n".join(lines) + "\n", receivers


def make_cases(n: int, rng: random.Random) -> list[dict[str, object]]:
    cases = []
    for i in range(n):
        labels = {"alertname": f"Alert{i % 97}", "team": rng.choice([*TEAMS, "nobody"])}
        if rng.random() < 0.8:
            labels["severity"] = rng.choice(SEVERITIES)
        if rng.random() < 0.6:
            labels["env"] = rng.choice(ENVS)
        if rng.random() < 0.5:
            labels["service"] = rng.choice(SERVICES) + rng.choice(["", "-canary"])
        cases.append({"name": f"case {i}", "labels": labels})
    return cases


def _ratio(samples: dict[str, list[float]], a: str, b: str) -> str:
    ma, mb = median_ms(samples[a]), median_ms(samples[b])
    return f"{a}: {ma:.1f} ms | {b}: {mb:.1f} ms | ratio {ma / mb:.2f}x"


def single_invocation(obsctl: str, amtool: str | None, cfg: Path, rounds: int) -> None:
    """One route test per process, obsctl next to amtool on the same config, interleaved."""
    configs = [("200-route tree", cfg, ["team=team3", "severity=critical", "env=prod"])]
    if REAL_WORLD.exists():
        configs.append(("kube-prometheus", REAL_WORLD, ["namespace=default", "severity=critical"]))
    for title, path, labels in configs:
        runs = {
            "obsctl alerts test": ([obsctl, "alerts", "test", "--am-config", str(path), *labels], None),
            "obsctl via typer": (
                [obsctl, "alerts", "test", "--am-config", str(path), *labels],
                env_with(_OBSCTL_NO_FASTVERB="1"),
            ),
        }
        if amtool:
            runs["amtool config routes test"] = (
                [amtool, "config", "routes", "test", f"--config.file={path}", *labels],
                None,
            )
        samples = interleaved(runs, rounds=rounds)
        if not amtool:
            print(
                f"single invocation, {title}: obsctl {median_ms(samples['obsctl alerts test']):.1f} ms (no amtool)"
            )
            continue
        print(
            f"single invocation, {title}: "
            + _ratio(samples, "obsctl alerts test", "amtool config routes test")
        )
        print(
            f"  (same argv through the typer CLI: {_ratio(samples, 'obsctl via typer', 'amtool config routes test')})"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--routes", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--amtool-sample", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="2,000 cases, 3 rounds, 10 amtool runs")
    ap.add_argument("--single-only", action="store_true", help="only the single-invocation comparison")
    args = ap.parse_args()
    if args.quick:
        args.cases, args.rounds, args.amtool_sample = 2_000, 3, 10
    obsctl = obsctl_script()
    amtool = shutil.which("amtool")
    rng = random.Random(42)
    tmp = Path(tempfile.mkdtemp(prefix="obsctl-bench-"))
    cfg_text, _ = make_config(args.routes, rng)
    cfg = tmp / "alertmanager.yml"
    cfg.write_text(cfg_text)
    cases = make_cases(args.cases, rng)
    json_path = tmp / "cases.json"
    json_path.write_text(json.dumps({"config": "alertmanager.yml", "cases": cases}))

    import yaml

    yaml_path = tmp / "cases.yaml"
    yaml_path.write_text(yaml.safe_dump({"config": "alertmanager.yml", "cases": cases}, sort_keys=False))
    print(f"config: {args.routes}+ routes; cases: {len(cases)}; {args.rounds} interleaved rounds")

    print(precompile_package())
    single_invocation(obsctl, amtool, cfg, args.rounds * 3)
    if args.single_only:
        shutil.rmtree(tmp, ignore_errors=True)
        return 0

    files = {
        "YAML case file": ([obsctl, "alerts", "test", "-f", str(yaml_path), "-o", "json"], None),
        "JSON case file": ([obsctl, "alerts", "test", "-f", str(json_path), "-o", "json"], None),
    }
    samples = interleaved(files, rounds=args.rounds, warmup=1)
    print(f"{len(cases)} cases: " + _ratio(samples, "YAML case file", "JSON case file"))
    per_obsctl = median_ms(samples["JSON case file"]) / 1000 / len(cases)

    proc = subprocess.run(files["JSON case file"][0], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return 1
    ours = json.loads(proc.stdout)["cases"]
    if amtool is None:
        print("amtool not found: skipping the per-case comparison")
        return 0
    sample = rng.sample(range(len(cases)), min(args.amtool_sample, len(cases)))
    disagree = 0
    per_case: dict[str, tuple[list[str], None]] = {}
    for i in sample:
        case_labels = cases[i]["labels"]
        assert isinstance(case_labels, dict)
        argv = [amtool, "config", "routes", "test", f"--config.file={cfg}"]
        argv += [f'{k}="{v}"' for k, v in case_labels.items()]
        per_case[f"case {i}"] = (argv, None)
        out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
        if out != ",".join(ours[i]["receivers"]):
            disagree += 1
    amtool_samples = interleaved(per_case, rounds=1, warmup=0)
    per_amtool = sum(median_ms(v) for v in amtool_samples.values()) / 1000 / len(per_case)
    print(
        f"per case: obsctl -f {per_obsctl * 1e6:.1f} µs, amtool {per_amtool * 1e3:.2f} ms: "
        f"obsctl is {per_amtool / per_obsctl:.0f}x faster per case"
    )
    print(f"agreement on the sample: {len(sample) - disagree}/{len(sample)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if disagree == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
