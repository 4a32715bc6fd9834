"""tcp, dns, redis and postgres probes: plain sockets and the system resolver, no client libraries
(psycopg only for postgres, as the optional extra `obsctl[postgres]`)."""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Mapping
from typing import Any

from obsctl.health.config import DnsConfig, PostgresConfig, RedisConfig, TcpConfig
from obsctl.health.model import FAIL, PASS, Assertion, CheckResult, ProbeSpec, Threshold
from obsctl.health.probes import (
    ProbeEnv,
    elapsed_ms,
    error_result,
    excerpt,
    latency_assertion,
    make_result,
    pattern_assertion,
    read_secret,
    redact_text,
)

MAX_READ = 64 * 1024


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    """A connected socket, with errors as one-line reasons."""
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as exc:
        raise _Failed(f"cannot resolve {host}: {exc.strerror}") from None
    except ConnectionRefusedError:
        raise _Failed("connection refused") from None
    except TimeoutError:
        raise _Failed(f"connect timed out after {timeout:g}s") from None
    except OSError as exc:
        raise _Failed(f"connect failed: {exc.strerror or exc}") from None


class _Failed(Exception):
    pass


def run_tcp(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """Connect (optionally TLS), optionally send a line and expect a reply matching a regex."""
    cfg: TcpConfig = spec.config
    target = _hostport(cfg.host, cfg.port)
    check = f"connect {target}" + (" (tls)" if cfg.tls else "")
    started = time.perf_counter()
    observed: dict[str, object] = {}
    try:
        sock = _connect(cfg.host, cfg.port, timeout)
        connect_ms = elapsed_ms(started)
        observed["connect_ms"] = round(connect_ms, 3)
        with sock:
            conn: socket.socket = sock
            if cfg.tls:
                from obsctl.core.tls import TLSFailure, wrap_socket

                try:
                    conn = wrap_socket(sock, cfg.host, insecure=cfg.insecure)
                except TLSFailure as exc:
                    raise _Failed(str(exc)) from None
            if cfg.send is not None:
                conn.sendall(cfg.send.encode())
            reply = ""
            if cfg.expect is not None:
                reply = _read_until(conn, cfg.expect, started + timeout)
    except _Failed as exc:
        return [error_result(spec, check, str(exc), target=target, duration_ms=elapsed_ms(started))]
    except OSError as exc:
        reason = (
            "connection reset by peer" if isinstance(exc, ConnectionResetError) else f"{exc.strerror or exc}"
        )
        return [error_result(spec, check, reason, target=target, duration_ms=elapsed_ms(started))]
    total = elapsed_ms(started)
    assertions = [Assertion("connect", PASS, observed=f"connected in {connect_ms:.0f}ms")]
    if cfg.expect is not None:
        observed_reply = repr(excerpt(reply, 80)) if reply else "nothing received"
        assertions.append(pattern_assertion("reply", cfg.expect, reply, observed=observed_reply))
    return _timed(
        spec, check, assertions, total, cfg.max_latency, target, f"connected in {connect_ms:.0f} ms", observed
    )


def _timed(
    spec: ProbeSpec,
    check: str,
    assertions: list[Assertion],
    total: float,
    max_latency: Threshold | None,
    target: str,
    ok_summary: str,
    observed: Mapping[str, Any],
) -> list[CheckResult]:
    """The one result of a timed network check: its assertions, the latency verdict when one is set."""
    if max_latency is not None:
        assertions.append(latency_assertion(max_latency, total))
    return [
        make_result(
            spec,
            check,
            assertions,
            target=target,
            ok_summary=ok_summary,
            duration_ms=total,
            observed=observed,
        )
    ]


def _read_until(conn: socket.socket, pattern: re.Pattern[str], deadline: float) -> str:
    data = b""
    while len(data) < MAX_READ:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        conn.settimeout(left)
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
        if pattern.search(data.decode(errors="replace")):
            break
    return data.decode(errors="replace")


def run_dns(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """Resolve a name with the system resolver (getaddrinfo): what the services themselves see."""
    cfg: DnsConfig = spec.config
    family = {"A": socket.AF_INET, "AAAA": socket.AF_INET6, "ANY": socket.AF_UNSPEC}[cfg.record]
    check = f"resolve {cfg.query} {cfg.record}"
    started = time.perf_counter()
    try:
        infos = socket.getaddrinfo(cfg.query, None, family, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return [
            error_result(
                spec,
                check,
                f"cannot resolve {cfg.query}: {exc.strerror}",
                target=cfg.query,
                duration_ms=elapsed_ms(started),
            )
        ]
    total = elapsed_ms(started)
    answers = sorted({str(ipaddress.ip_address(str(i[4][0]).split("%")[0])) for i in infos})
    assertions = [Assertion("resolve", PASS, observed=", ".join(answers))]
    if cfg.expect:
        missing = [a for a in cfg.expect if a not in answers]
        assertions.append(
            Assertion(
                "answers",
                FAIL if missing else PASS,
                expected="includes " + ", ".join(cfg.expect),
                observed=", ".join(answers) or "no answers",
            )
        )
    return _timed(
        spec, check, assertions, total, cfg.max_latency, cfg.query, ", ".join(answers), {"answers": answers}
    )


def _resp(*parts: str) -> bytes:
    out = f"*{len(parts)}\r\n".encode()
    for p in parts:
        b = p.encode()
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def _resp_line(conn: socket.socket, deadline: float) -> str:
    data = b""
    while not data.endswith(b"\r\n") and len(data) < MAX_READ:
        conn.settimeout(max(0.001, deadline - time.perf_counter()))
        try:
            chunk = conn.recv(1024)
        except TimeoutError:
            raise _Failed("no reply before the timeout") from None
        if not chunk:
            raise _Failed("server closed the connection")
        data += chunk
    return data.decode(errors="replace").strip()


def run_redis(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """PING over RESP (after AUTH when a password is configured): what redis-cli ping does."""
    cfg: RedisConfig = spec.config
    target = _hostport(cfg.host, cfg.port)
    check = f"PING {target}"
    started = time.perf_counter()
    deadline = started + timeout
    password = read_secret(cfg.password, penv.env, f"{spec.name}.redis.password")
    observed: dict[str, object] = {}
    try:
        with _connect(cfg.host, cfg.port, timeout) as conn:
            if password:
                auth = ("AUTH", cfg.username, password) if cfg.username else ("AUTH", password)
                conn.sendall(_resp(*auth))
                reply = _resp_line(conn, deadline)
                if not reply.startswith("+OK"):
                    raise _Failed(f"AUTH refused: {redact_text(reply.lstrip('-'), [password])}")
            conn.sendall(_resp("PING"))
            reply = _resp_line(conn, deadline)
    except _Failed as exc:
        return [error_result(spec, check, str(exc), target=target, duration_ms=elapsed_ms(started))]
    except OSError as exc:
        return [
            error_result(
                spec,
                check,
                f"{exc.strerror or exc}",
                target=target,
                duration_ms=elapsed_ms(started),
            )
        ]
    total = elapsed_ms(started)
    observed["reply"] = reply
    ok = reply == "+PONG"
    shown = reply.lstrip("+-")
    assertions = [Assertion("ping", PASS if ok else FAIL, expected="PONG", observed=shown)]
    return _timed(spec, check, assertions, total, None, target, f"PONG in {total:.0f} ms", observed)


POSTGRES_HINT = "pip install 'obsctl[postgres]'"


def run_postgres(spec: ProbeSpec, penv: ProbeEnv, timeout: float) -> list[CheckResult]:
    """Connect and run `SELECT 1` with psycopg (the optional extra obsctl[postgres])."""
    cfg: PostgresConfig = spec.config
    check = "SELECT 1" if cfg.query == "SELECT 1" else "query"
    target = _redact_conninfo(cfg.conninfo)
    try:
        import psycopg
    except ImportError:
        return [
            error_result(
                spec,
                check,
                f"the postgres probe needs the psycopg driver: {POSTGRES_HINT}",
                target=target,
            )
        ]
    password = read_secret(cfg.password, penv.env, f"{spec.name}.postgres.password")
    started = time.perf_counter()
    kwargs: dict[str, object] = {"connect_timeout": max(1, round(timeout))}
    if password:
        kwargs["password"] = password
    try:
        with psycopg.connect(cfg.conninfo, **kwargs) as conn:
            row = conn.execute(cfg.query).fetchone()
            version = conn.info.server_version
    except psycopg.Error as exc:
        msg = excerpt(redact_text(str(exc), [password] if password else []))
        return [error_result(spec, check, msg, target=target, duration_ms=elapsed_ms(started))]
    total = elapsed_ms(started)
    assertions = [Assertion("query", PASS, observed=repr(row[0]) if row else "no rows")]
    summary = f"{cfg.query} in {total:.0f} ms"
    return _timed(spec, check, assertions, total, None, target, summary, {"server_version": version})


def _redact_conninfo(conninfo: str) -> str:
    text = re.sub(r"(password\s*=\s*)(\S+)", r"\1REDACTED", conninfo)
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1REDACTED@", text)
