"""Checks of this machine: system (memory, swap, filesystems, load, open files) and process
(the `command` probe is in command.py).

"Every real mounted filesystem" means: psutil's full mount list minus pseudo filesystems (proc,
sysfs, cgroup, devpts, ...), minus tmpfs/devtmpfs (in RAM: `include_tmpfs: true` adds them), minus
read-only images (squashfs, iso9660: always 100% full by design), minus bind-mount duplicates (one
entry per device, the shortest mount point). overlay counts as real: it is a container's root.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from obsctl.health.config import DiskCheck, ProcessConfig, SystemConfig
from obsctl.health.model import FAIL, PASS, SKIP, Assertion, CheckResult, ProbeSpec, Threshold
from obsctl.health.probes import ProbeEnv, elapsed_ms, error_result, make_result

PSEUDO_FS = frozenset(
    {
        "proc",
        "sysfs",
        "devpts",
        "cgroup",
        "cgroup2",
        "mqueue",
        "debugfs",
        "tracefs",
        "securityfs",
        "pstore",
        "bpf",
        "configfs",
        "fusectl",
        "hugetlbfs",
        "autofs",
        "binfmt_misc",
        "rpc_pipefs",
        "nsfs",
        "efivarfs",
        "selinuxfs",
        "ramfs",
        "fuse.gvfsd-fuse",
        "fuse.portal",
        "fuse.lxcfs",
        "nfsd",
        "devfs",
        "overlay.lower",
    }
)
MEMORY_FS = frozenset({"tmpfs", "devtmpfs"})
IMAGE_FS = frozenset({"squashfs", "iso9660", "udf", "erofs"})


@dataclass(frozen=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str


def real_mounts(include_tmpfs: bool = False) -> list[Mount]:
    """Mounted filesystems worth checking for space (see the module docstring)."""
    import psutil

    by_dev: dict[int, Mount] = {}
    for part in psutil.disk_partitions(all=True):
        fstype = part.fstype
        if fstype in PSEUDO_FS or fstype in IMAGE_FS or (fstype in MEMORY_FS and not include_tmpfs):
            continue
        if fstype.startswith("fuse.") and fstype not in ("fuse.sshfs", "fuse.s3fs", "fuse.mergerfs"):
            continue
        try:
            dev = os.stat(part.mountpoint).st_dev
        except OSError:
            continue
        mount = Mount(part.device, part.mountpoint, fstype)
        known = by_dev.get(dev)
        if known is None or len(mount.mountpoint) < len(known.mountpoint):
            by_dev[dev] = mount
    return sorted(by_dev.values(), key=lambda m: m.mountpoint)


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _gib(n: float) -> str:
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 1024:.0f} KiB"


def _measured(
    spec: ProbeSpec,
    check: str,
    value: float,
    threshold: Threshold,
    detail: str,
    *,
    target: str | None = None,
    unit: str = "%",
    extra: dict[str, Any] | None = None,
) -> CheckResult:
    status = threshold.evaluate(value)
    shown = f"{value:.1f}{unit}" if unit == "%" else f"{value:.2f}"
    observed = {
        "value": round(value, 3),
        "unit": unit.strip() or None,
        **threshold.to_json(),
        **(extra or {}),
    }
    limits = threshold.describe()
    summary = f"{detail} ({limits})" if limits else detail
    a = Assertion(check, status, expected=f"below {limits}" if limits else None, observed=shown)
    return CheckResult.of(spec, check, status, summary, target=target, assertions=(a,), observed=observed)


def run_system(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """Memory, swap, space and inodes of every real filesystem, load per core, open-file headroom."""
    import psutil

    cfg: SystemConfig = spec.config
    started = time.perf_counter()
    out: list[CheckResult] = []
    if cfg.memory is not None:
        vm = psutil.virtual_memory()
        out.append(
            _measured(
                spec,
                "memory",
                vm.percent,
                cfg.memory,
                f"{_pct(vm.percent)} used, {_gib(vm.available)} available",
                extra={"total_bytes": vm.total, "available_bytes": vm.available},
            )
        )
    if cfg.swap is not None:
        sw = psutil.swap_memory()
        if sw.total == 0:
            out.append(
                CheckResult.of(
                    spec,
                    "swap",
                    PASS,
                    "no swap configured",
                    observed={"value": 0.0, "unit": "%", "total_bytes": 0},
                )
            )
        else:
            out.append(
                _measured(
                    spec,
                    "swap",
                    sw.percent,
                    cfg.swap,
                    f"{_pct(sw.percent)} used of {_gib(sw.total)}",
                    extra={"total_bytes": sw.total},
                )
            )
    mounts: list[Mount] | None = None
    for label, checks in (("disk", cfg.disk), ("inodes", cfg.inodes)):
        for dc in checks:
            if dc.path is None:
                if mounts is None:
                    mounts = real_mounts(cfg.include_tmpfs)
                paths: Iterable[str] = [m.mountpoint for m in mounts]
            else:
                paths = [dc.path]
            for path in paths:
                out.append(_filesystem(spec, label, path, dc))
    if cfg.load is not None:
        try:
            load1, load5, load15 = os.getloadavg()
        except (OSError, AttributeError):
            out.append(CheckResult.of(spec, "load", SKIP, "load average not available on this platform"))
        else:
            cores = psutil.cpu_count() or 1
            per_core = load5 / cores
            out.append(
                _measured(
                    spec,
                    "load",
                    per_core,
                    cfg.load,
                    f"{per_core:.2f} per core over 5m ({load1:.2f} {load5:.2f} {load15:.2f} on {cores} cores)",
                    unit="",
                    extra={"load1": load1, "load5": load5, "load15": load15, "cores": cores},
                )
            )
    if cfg.open_files is not None:
        out.append(_open_files(spec, cfg.open_files))
    elapsed = elapsed_ms(started)
    return [_with_duration(r, elapsed / max(1, len(out))) for r in out]


def _with_duration(result: CheckResult, ms: float) -> CheckResult:
    from dataclasses import replace

    return replace(result, duration_ms=ms)


def _filesystem(spec: ProbeSpec, label: str, path: str, dc: DiskCheck) -> CheckResult:
    check = f"{label} {path}"
    try:
        st = os.statvfs(path)
    except FileNotFoundError:
        return error_result(spec, check, f"{path}: no such file or directory", target=path)
    except OSError as exc:
        return error_result(spec, check, f"{path}: {exc.strerror}", target=path)
    if label == "disk":
        total = st.f_blocks * st.f_frsize
        free_user = st.f_bavail * st.f_frsize
        used = (st.f_blocks - st.f_bfree) * st.f_frsize
        # What df shows: used / (used + available to unprivileged users).
        denom = used + free_user
        pct = 100.0 * used / denom if denom else 0.0
        return _measured(
            spec,
            check,
            pct,
            dc.threshold,
            f"{_pct(pct)} used, {_gib(free_user)} free of {_gib(total)}",
            target=path,
            extra={"total_bytes": total, "free_bytes": free_user},
        )
    if st.f_files == 0:
        return CheckResult.of(
            spec,
            check,
            PASS,
            "no inode limit on this filesystem",
            target=path,
            observed={"value": 0.0, "unit": "%"},
        )
    used_inodes = st.f_files - st.f_ffree
    pct = 100.0 * used_inodes / st.f_files
    return _measured(
        spec,
        check,
        pct,
        dc.threshold,
        f"{_pct(pct)} of {st.f_files} inodes used",
        target=path,
        extra={"inodes_total": st.f_files, "inodes_free": st.f_ffree},
    )


def _open_files(spec: ProbeSpec, threshold: Threshold) -> CheckResult:
    """System-wide file handles (Linux /proc/sys/fs/file-nr); elsewhere this process's limit."""
    try:
        with open("/proc/sys/fs/file-nr", encoding="ascii") as fh:
            allocated, _unused, maximum = (int(x) for x in fh.read().split()[:3])
    except (OSError, ValueError):
        allocated = maximum = 0
    if maximum > 0:
        pct = 100.0 * allocated / maximum
        return _measured(
            spec,
            "open files",
            pct,
            threshold,
            f"{allocated} of {maximum} file handles in use",
            extra={"allocated": allocated, "max": maximum},
        )
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return CheckResult.of(spec, "open files", SKIP, "not measurable on this platform")
    return CheckResult.of(
        spec,
        "open files",
        PASS,
        f"limit {soft} (hard {hard}) for this process",
        observed={"soft_limit": soft, "hard_limit": hard},
    )


def run_process(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """Count processes by name (exact, or the basename of argv[0]) and/or a command-line regex."""
    import psutil

    cfg: ProcessConfig = spec.config
    started = time.perf_counter()
    what = cfg.name or f"/{cfg.cmdline.pattern if cfg.cmdline else ''}/"
    pids = []
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        info = proc.info
        cmdline = info.get("cmdline") or []
        if cfg.name is not None:
            names = {info.get("name") or ""}
            if cmdline:
                names.add(os.path.basename(cmdline[0]))
            if cfg.name not in names:
                continue
        if cfg.cmdline is not None and not cfg.cmdline.search(" ".join(cmdline)):
            continue
        pids.append(info["pid"])
    count = len(pids)
    ok = count >= cfg.min and (cfg.max is None or count <= cfg.max)
    expected = f"at least {cfg.min}" + (f" and at most {cfg.max}" if cfg.max is not None else "")
    a = Assertion("running", PASS if ok else FAIL, expected=expected, observed=str(count))
    return [
        make_result(
            spec,
            f"process {what}",
            [a],
            ok_summary=f"{count} running (pids {', '.join(map(str, pids[:5]))}{'…' if count > 5 else ''})",
            duration_ms=elapsed_ms(started),
            observed={"count": count, "pids": pids[:20]},
        )
    ]
