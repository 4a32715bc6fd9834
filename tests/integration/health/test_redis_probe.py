"""redis probes against real redis-server: up, down, wrong password, password from env and file."""

from __future__ import annotations

from tests.integration.health.conftest import by_name
from tests.integration.servers import free_port


def test_redis_up(run_health, redis):
    result, doc = run_health([{"name": "cache", "redis": {"address": f"127.0.0.1:{redis.port}"}}])
    assert result.exit_code == 0, result.output
    r = by_name(doc)["cache"]
    assert r["status"] == "pass"
    assert r["check"] == f"PING 127.0.0.1:{redis.port}"
    assert r["observed"]["reply"] == "+PONG"


def test_redis_down(run_health):
    port = free_port()
    result, doc = run_health([{"name": "cache", "redis": {"address": f"127.0.0.1:{port}"}}])
    assert result.exit_code == 1
    assert by_name(doc)["cache"]["error"] == "connection refused"


def test_redis_without_password_on_protected_server(run_health, redis_with_password):
    _result, doc = run_health(
        [{"name": "cache", "redis": {"address": f"127.0.0.1:{redis_with_password.port}"}}]
    )
    r = by_name(doc)["cache"]
    assert r["status"] == "fail"
    assert r["summary"] == "ping: expected PONG, observed NOAUTH Authentication required."


def test_redis_wrong_password(run_health, redis_with_password):
    result, doc = run_health(
        [
            {
                "name": "cache",
                "redis": {"address": f"127.0.0.1:{redis_with_password.port}", "password_env": "REDIS_PW"},
            }
        ],
        env={"REDIS_PW": "wrong-password"},
    )
    r = by_name(doc)["cache"]
    assert result.exit_code == 1
    assert r["error"].startswith("AUTH refused: WRONGPASS")
    assert "wrong-password" not in result.stdout


def test_redis_password_from_env_and_file(run_health, redis_with_password, tmp_path):
    secret = tmp_path / "redis.pw"
    secret.write_text(redis_with_password.extra["password"] + "\n")
    result, doc = run_health(
        [
            {
                "name": "env",
                "redis": {"address": f"127.0.0.1:{redis_with_password.port}", "password_env": "REDIS_PW"},
            },
            {
                "name": "file",
                "redis": {"address": f"127.0.0.1:{redis_with_password.port}", "password_file": str(secret)},
            },
        ],
        env={"REDIS_PW": redis_with_password.extra["password"]},
    )
    assert result.exit_code == 0, result.output
    assert [r["status"] for r in doc["results"]] == ["pass", "pass"]
    assert redis_with_password.extra["password"] not in result.stdout


def test_tcp_send_expect_speaks_to_redis(run_health, redis):
    _result, doc = run_health(
        [
            {
                "name": "tcp",
                "tcp": {"address": f"127.0.0.1:{redis.port}", "send": "PING\r\n", "expect": "^\\+PONG"},
            }
        ]
    )
    r = by_name(doc)["tcp"]
    assert r["status"] == "pass"
    assert [a["check"] for a in r["assertions"]] == ["connect", "reply"]


def test_process_probe_finds_redis_server(run_health, redis):
    _result, doc = run_health(
        [
            {"name": "redis-proc", "process": {"name": "redis-server"}},
            {"name": "ghost", "process": {"name": "no-such-daemon-xyz"}},
        ]
    )
    res = by_name(doc)
    assert res["redis-proc"]["status"] == "pass"
    assert res["redis-proc"]["observed"]["count"] >= 1
    assert res["ghost"]["summary"] == "running: expected at least 1, observed 0"
