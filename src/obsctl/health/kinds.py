"""The validated settings of each probe kind (frozen dataclasses) and the defaults they start from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from obsctl.health.jsoncond import Condition
from obsctl.health.model import Threshold

DEFAULT_TIMEOUT = 5.0
COMMON_KEYS = ("name", "timeout", "retries", "retry_timeout", "retry_interval", "tags")
BACKEND_NAMES = ("prometheus", "alertmanager", "elasticsearch", "jaeger")

# Defaults for the machine checks: the seed's HealthChecker failed memory and disk at 90%.
DEFAULT_MEMORY = Threshold(80.0, 90.0, unit="%")
DEFAULT_SWAP = Threshold(80.0, 95.0, unit="%")
DEFAULT_DISK = Threshold(80.0, 90.0, unit="%")
DEFAULT_INODES = Threshold(80.0, 90.0, unit="%")
DEFAULT_LOAD = Threshold(1.5, 3.0)
DEFAULT_OPEN_FILES = Threshold(80.0, 90.0, unit="%")
DEFAULT_TARGETS_DOWN = Threshold(1, None)
DEFAULT_FRESHNESS = Threshold(300_000.0, 3_600_000.0, unit="ms")  # newest log younger than 5m / 1h
SYSTEM_CHECKS = ("memory", "swap", "disk", "inodes", "load", "open_files")


@dataclass(frozen=True)
class Secret:
    """A value given inline, or read at run time from an env var or a file (then always redacted)."""

    value: str | None = None
    env: str | None = None
    file: str | None = None

    @property
    def is_set(self) -> bool:
        return self.value is not None or self.env is not None or self.file is not None

    @property
    def secret(self) -> bool:
        return self.env is not None or self.file is not None


@dataclass(frozen=True)
class HttpConfig:
    url: str
    method: str = "GET"
    headers: tuple[tuple[str, Secret], ...] = ()
    body: str | bytes | None = None  # bytes from `!!binary`, sent as-is
    expect_status: tuple[str, ...] = ("2xx",)
    expect_body: re.Pattern[str] | None = None
    expect_body_not: re.Pattern[str] | None = None
    expect_json: tuple[Condition, ...] = ()
    max_latency: Threshold | None = None
    cert_days: Threshold | None = None
    follow_redirects: bool = True
    max_redirects: int = 10
    insecure: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    proxy_url: str | None = None
    max_body_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class TcpConfig:
    host: str
    port: int
    send: str | None = None
    expect: re.Pattern[str] | None = None
    tls: bool = False
    insecure: bool = False
    max_latency: Threshold | None = None


@dataclass(frozen=True)
class DnsConfig:
    query: str
    record: str = "A"
    expect: tuple[str, ...] = ()
    max_latency: Threshold | None = None


@dataclass(frozen=True)
class RedisConfig:
    host: str
    port: int
    username: str | None = None
    password: Secret = field(default_factory=Secret)


@dataclass(frozen=True)
class PostgresConfig:
    conninfo: str
    password: Secret = field(default_factory=Secret)
    query: str = "SELECT 1"


@dataclass(frozen=True)
class DiskCheck:
    path: str | None  # None: every real mounted filesystem
    threshold: Threshold


@dataclass(frozen=True)
class SystemConfig:
    memory: Threshold | None = DEFAULT_MEMORY
    swap: Threshold | None = DEFAULT_SWAP
    disk: tuple[DiskCheck, ...] = (DiskCheck(None, DEFAULT_DISK),)
    inodes: tuple[DiskCheck, ...] = (DiskCheck(None, DEFAULT_INODES),)
    load: Threshold | None = DEFAULT_LOAD
    open_files: Threshold | None = DEFAULT_OPEN_FILES
    include_tmpfs: bool = False


@dataclass(frozen=True)
class ProcessConfig:
    name: str | None
    cmdline: re.Pattern[str] | None = None
    min: int = 1
    max: int | None = None


@dataclass(frozen=True)
class CommandConfig:
    argv: tuple[str, ...]
    shell: bool = False
    expect_exit: tuple[int, ...] = (0,)
    expect_output: re.Pattern[str] | None = None
    cwd: str | None = None


@dataclass(frozen=True)
class BackendConfig:
    backend: str
    targets_down: Threshold = DEFAULT_TARGETS_DOWN
    freshness: Threshold = DEFAULT_FRESHNESS
    index: str | None = None
    timestamp_field: str | None = None
