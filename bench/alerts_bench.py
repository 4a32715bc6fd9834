"""Bench: `obsctl alerts test -f` (one process, 10,000 cases) against amtool (one process per case).

Run: python bench/alerts_bench.py [--cases 10000] [--routes 200] [--amtool-sample 50]
Generates a 200-route config and a case file in a temp folder, times one whole
`python -m obsctl alerts test -f` process, then amtool on a sample of the cases, and prints
per-case times and the ratio. Also checks that both tools gave the same receivers on the sample.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--routes", type=int, default=200)
    ap.add_argument("--amtool-sample", type=int, default=50)
    args = ap.parse_args()
    rng = random.Random(42)
    tmp = Path(tempfile.mkdtemp(prefix="obsctl-bench-"))
    cfg_text, _ = make_config(args.routes, rng)
    cfg = tmp / "alertmanager.yml"
    cfg.write_text(cfg_text)
    cases = make_cases(args.cases, rng)
    cases_path = tmp / "cases.yaml"
    cases_path.write_text(json.dumps({"config": "alertmanager.yml", "cases": cases}))  # JSON is YAML
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}

    import yaml

    yaml_path = tmp / "cases-block.yaml"
    yaml_path.write_text(yaml.safe_dump({"config": "alertmanager.yml", "cases": cases}, sort_keys=False))
    print(f"config: {args.routes}+ routes; cases: {len(cases)}")
    ours: list[dict[str, object]] = []
    obsctl_total = 0.0
    for label, path in (("JSON case file", cases_path), ("YAML block-style case file", yaml_path)):
        cmd = [sys.executable, "-m", "obsctl", "alerts", "test", "-f", str(path), "-o", "json"]
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        total = time.perf_counter() - started
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        ours = json.loads(proc.stdout)["cases"]
        obsctl_total = max(obsctl_total, total)  # compare amtool against the slower of the two
        print(
            f"obsctl alerts test -f ({label}): {total:.3f} s for {len(cases)} cases (whole process) = "
            f"{total / len(cases) * 1e6:.1f} µs/case"
        )

    amtool = shutil.which("amtool")
    if amtool is None:
        print("amtool not found: skipping the comparison")
        return 0
    sample = rng.sample(range(len(cases)), min(args.amtool_sample, len(cases)))
    started = time.perf_counter()
    disagree = 0
    for i in sample:
        labels = cases[i]["labels"]
        assert isinstance(labels, dict)
        out = subprocess.run(
            [
                amtool,
                "config",
                "routes",
                "test",
                f"--config.file={cfg}",
                *[f'{k}="{v}"' for k, v in labels.items()],
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if out != ",".join(ours[i]["receivers"]):
            disagree += 1
    amtool_total = time.perf_counter() - started
    per_amtool = amtool_total / len(sample)
    per_obsctl = obsctl_total / len(cases)
    print(
        f"amtool config routes test: {amtool_total:.3f} s for {len(sample)} cases = {per_amtool * 1e3:.2f} ms/case"
    )
    print(
        f"ratio (per case): obsctl is {per_amtool / per_obsctl:.0f}x faster; "
        f"amtool would need ~{per_amtool * len(cases):.0f} s for all {len(cases)} cases"
    )
    print(f"agreement on the sample: {len(sample) - disagree}/{len(sample)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if disagree == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
