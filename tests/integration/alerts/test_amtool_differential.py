"""obsctl's route engine against amtool 0.25, the reference implementation.

Every label set is answered by a real `amtool config routes test` run during the test (no
precomputed answers); obsctl must print the same receivers for 100% of them. Configs amtool's
check-config rejects must be rejected by `obsctl alerts check` and `obsctl alerts test` (exit 2,
message pointing at the problem).
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from obsctl.alerts.config import load_config_file
from obsctl.alerts.matchers import parse_label_args
from obsctl.alerts.routing import receivers_for
from obsctl.core.errors import UsageError
from tests.integration.alerts.engine_amtool import (
    AMTOOL,
    INVALID_CONFIGS,
    amtool_check,
    amtool_receivers,
    label_sets,
    random_config,
)
from tests.integration.servers import require

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[2] / "fixtures" / "alertmanager"
REAL_WORLD = [
    "amtool_conf.routing.yml",
    "amtool_conf.routing-reverted.yml",
    "amtool_conf.good.yml",
    "config_testdata_conf.good.yml",
    "config_testdata_conf.empty-fields.yml",
    "config_testdata_conf.group-by-all.yml",
    "karma_mock_alertmanager.yml",
    "kube_prometheus_alertmanager.yaml",
    "upstream_examples_ha.yml",
]
HAND_WRITTEN = sorted((FIXTURES / "differential").glob("*.yml"))
RANDOM_CONFIGS = 8
SETS_PER_CONFIG = 48


@pytest.fixture(scope="module")
def amtool() -> str:
    require("amtool")  # a skip here fails under CI=true
    assert AMTOOL is not None
    return AMTOOL


def _configs(tmp: Path) -> list[Path]:
    paths = [FIXTURES / n for n in REAL_WORLD] + HAND_WRITTEN
    rng = random.Random(20260103)
    for i in range(RANDOM_CONFIGS):
        p = tmp / f"random_{i}.yml"
        p.write_text(random_config(rng, i), encoding="utf-8")
        paths.append(p)
    return paths


def test_receivers_agree_with_amtool(amtool: str, tmp_path: Path) -> None:
    configs = _configs(tmp_path)
    assert len(configs) >= 20
    rng = random.Random(7)
    jobs: list[tuple[Path, list[str]]] = []
    loaded = {}
    for path in configs:
        rc, out = amtool_check(path)
        assert rc == 0, f"amtool rejects {path.name}: {out}"
        cfg = load_config_file(path)
        loaded[path] = cfg
        jobs.extend((path, args) for args in label_sets(cfg, SETS_PER_CONFIG, rng))
    assert len(jobs) >= 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda job: amtool_receivers(job[0], job[1]), jobs))
    amtool_seconds = time.perf_counter() - started

    mismatches = []
    agreed = 0
    for (path, args), (rc, out, err) in zip(jobs, answers, strict=True):
        try:
            ours = ",".join(receivers_for(loaded[path], parse_label_args(args)))
            our_rc = 0
        except UsageError:
            ours, our_rc = "", 1
        if (rc, out if rc == 0 else "") == (our_rc, ours):
            agreed += 1
        else:
            mismatches.append(
                f"{path.name} {args!r}: amtool rc={rc} {out!r} {err.strip()[-200:]!r} / obsctl rc={our_rc} {ours!r}"
            )
    print(
        f"\ndifferential: {len(configs)} configs, {len(jobs)} label sets, {agreed}/{len(jobs)} agree, amtool wall {amtool_seconds:.1f}s"
    )
    assert not mismatches, f"{len(mismatches)} of {len(jobs)} disagree:\n" + "\n".join(mismatches[:30])


def test_documented_amtool_expectations(amtool: str) -> None:
    """cli/test_routing_test.go's own cases, through both tools."""
    for name, labels, want in [
        ("amtool_conf.routing.yml", ["test=1"], "test1"),
        ("amtool_conf.routing.yml", ["test=2"], "test1,test2"),
        ("amtool_conf.routing-reverted.yml", ["test=2"], "test2,test1"),
        ("amtool_conf.routing.yml", ["test=volovina"], "default"),
    ]:
        rc, out, _ = amtool_receivers(FIXTURES / name, labels)
        assert (rc, out) == (0, want)
        assert ",".join(receivers_for(load_config_file(FIXTURES / name), parse_label_args(labels))) == want


@pytest.mark.parametrize(
    ("name", "text", "needle", "line"), INVALID_CONFIGS, ids=[c[0] for c in INVALID_CONFIGS]
)
def test_invalid_configs_rejected_like_amtool(
    amtool: str,
    tmp_path: Path,
    run_cli,
    name: str,
    text: str,
    needle: str,
    line: int | None,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    rc, out = amtool_check(path)
    assert rc != 0, f"amtool accepts {name}: {out}"

    checked = run_cli(["alerts", "check", str(path)])
    assert checked.exit_code == 2, checked.output
    assert needle in checked.stdout, checked.output
    if line is not None:
        assert f"{path}:{line}:" in checked.stdout, checked.stdout

    tested = run_cli(["alerts", "test", "--am-config", str(path), "alertname=X"])
    assert tested.exit_code == 2, tested.output
    assert needle in tested.stderr, tested.stderr
    assert str(path) in tested.stderr
    assert tested.stdout == ""
