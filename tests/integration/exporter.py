"""A small exporter with known series, and the same series' past as OpenMetrics for backfilling.

The shared Prometheus (tests/integration/conftest.py) scrapes `KnownExporter` live and starts with
`known_history(...)` already in its TSDB (`promtool tsdb create-blocks-from openmetrics`), so range
queries and rates have minutes of data at once instead of after half a minute of scrapes. The
history ends at the values the exporter serves live, with the same labels, so the series continue
across the switch without a counter reset.
"""

from __future__ import annotations

import http.server
import math
import threading

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"

KNOWN_SERIES_TEXT = """# HELP obsctl_test_requests_total Requests handled, by method and code.
# TYPE obsctl_test_requests_total counter
obsctl_test_requests_total{method="GET",code="200"} 1027
obsctl_test_requests_total{method="POST",code="500"} 3
# HELP obsctl_test_temperature_celsius Room temperature.
# TYPE obsctl_test_temperature_celsius gauge
obsctl_test_temperature_celsius{room="lab a"} 21.5
obsctl_test_temperature_celsius{room="it's \\"quoted\\""} -4.25
# HELP obsctl_test_up_ratio Always one.
# TYPE obsctl_test_up_ratio gauge
obsctl_test_up_ratio 1
"""

KNOWN_SERIES_OPENMETRICS = f"""# HELP obsctl_test_requests Requests handled, by method and code.
# TYPE obsctl_test_requests counter
obsctl_test_requests_total{{method="GET",code="200"}} 1027 # {{trace_id="{TRACE_ID}"}} 1.0
obsctl_test_requests_total{{method="POST",code="500"}} 3
# HELP obsctl_test_temperature_celsius Room temperature.
# TYPE obsctl_test_temperature_celsius gauge
obsctl_test_temperature_celsius{{room="lab a"}} 21.5
obsctl_test_temperature_celsius{{room="it's \\"quoted\\""}} -4.25
# HELP obsctl_test_up_ratio Always one.
# TYPE obsctl_test_up_ratio gauge
obsctl_test_up_ratio 1
# HELP obsctl_test_latency_seconds Request latency.
# TYPE obsctl_test_latency_seconds histogram
obsctl_test_latency_seconds_bucket{{le="0.1"}} 8 # {{trace_id="{TRACE_ID}"}} 0.05
obsctl_test_latency_seconds_bucket{{le="1.0"}} 10
obsctl_test_latency_seconds_bucket{{le="+Inf"}} 11
obsctl_test_latency_seconds_count 11
obsctl_test_latency_seconds_sum 4.5
# EOF
"""


class KnownExporter:
    """An in-process /metrics endpoint with fixed series (text format, or OpenMetrics with
    exemplars when the scraper asks for it)."""

    def __init__(self, text: str = KNOWN_SERIES_TEXT, openmetrics: str = KNOWN_SERIES_OPENMETRICS) -> None:
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                exporter.scrapes += 1
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                accept = self.headers.get("Accept", "")
                if "application/openmetrics-text" in accept:
                    body = openmetrics.encode()
                    ctype = "application/openmetrics-text; version=1.0.0; charset=utf-8"
                else:
                    body = text.encode()
                    ctype = "text/plain; version=0.0.4; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.scrapes = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}/metrics"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# How much past the shared Prometheus starts with: ten minutes at one sample a second is far more
# than any test window, and quick to write.
HISTORY_SECONDS = 600

# The live values above, as numbers: the history ends exactly at them.
REQUESTS_AT_END = {("GET", "200"): 1027, ("POST", "500"): 3}
TEMPERATURES = {"lab a": 21.5, 'it\'s "quoted"': -4.25}
# Bucket bounds as the exporter spells them (Prometheus keeps `le` verbatim) and as numbers.
BUCKETS = (("0.1", 0.1), ("1.0", 1.0), ("+Inf", math.inf))
# Request latencies observed one every OBSERVATION_EVERY seconds, the last one at the history's end:
# 8 at or below 0.1 s, 2 up to 1 s, 1 above (counts 8/10/11, sum 4.5 as served live).
LATENCIES = (0.05, 0.55, 0.05, 0.05, 3.0, 0.05, 0.05, 0.55, 0.05, 0.05, 0.05)
OBSERVATION_EVERY = 5


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"')

    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in labels.items()) + "}"


def _num(value: float) -> str:
    return f"{value:.10g}"


def _latency_at(ago: int) -> tuple[list[int], int, float]:
    """Cumulative bucket counts, count and sum of the observations made at least `ago` s before the end."""
    seen = [v for i, v in enumerate(LATENCIES) if (len(LATENCIES) - 1 - i) * OBSERVATION_EVERY >= ago]
    return [sum(1 for v in seen if v <= le) for _, le in BUCKETS], len(seen), math.fsum(seen)


def known_history(*, end: int, seconds: int, exporter: str, dead: str, prometheus: str) -> str:
    """OpenMetrics text of the last `seconds` before `end` (unix seconds), one sample a second: the
    exporter's series (GET requests rising one a second, POSTs one every two minutes, latencies in
    the last minute) and `up` of the three targets the shared Prometheus scrapes (`dead` is down)."""
    times = [(t, end - t) for t in range(end - seconds, end + 1)]
    exp = {"instance": exporter, "job": "exporter"}
    out: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        out.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"])

    family("up", "gauge", "Whether the target answered its last scrape.")
    for inst, job, value in ((prometheus, "prometheus", 1), (exporter, "exporter", 1), (dead, "exporter", 0)):
        out.extend(f"up{_labels(instance=inst, job=job)} {value} {t}" for t, _ in times)
    family("obsctl_test_requests", "counter", "Requests handled, by method and code.")
    for (method, code), last in REQUESTS_AT_END.items():
        labels = _labels(**exp, method=method, code=code)
        step = 1 if method == "GET" else 120
        out.extend(f"obsctl_test_requests_total{labels} {max(0, last - ago // step)} {t}" for t, ago in times)
    family("obsctl_test_temperature_celsius", "gauge", "Room temperature.")
    for room, value in TEMPERATURES.items():
        out.extend(
            f"obsctl_test_temperature_celsius{_labels(**exp, room=room)} {_num(value)} {t}" for t, _ in times
        )
    family("obsctl_test_up_ratio", "gauge", "Always one.")
    out.extend(f"obsctl_test_up_ratio{_labels(**exp)} 1 {t}" for t, _ in times)
    family("obsctl_test_latency_seconds", "histogram", "Request latency.")
    at = {t: _latency_at(ago) for t, ago in times}
    for i, (le, _) in enumerate(BUCKETS):
        labels = _labels(**exp, le=le)
        out.extend(f"obsctl_test_latency_seconds_bucket{labels} {at[t][0][i]} {t}" for t, _ in times)
    out.extend(f"obsctl_test_latency_seconds_count{_labels(**exp)} {at[t][1]} {t}" for t, _ in times)
    out.extend(f"obsctl_test_latency_seconds_sum{_labels(**exp)} {_num(at[t][2])} {t}" for t, _ in times)
    out.append("# EOF")
    return "\n".join(out) + "\n"
