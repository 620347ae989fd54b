"""The load generator, run as its own process: N client threads, each with one keep-alive
HTTP/1.1 connection, send GETs back to back (cycling through the given paths) for a
warm-up and then a measured period; a request counts in the period it completes in. Prints one JSON object: completed requests, errors
(transport failures and any non-200), the latencies' percentiles and the throughput.

    python -m bench.api.load '{"port": 8000, "paths": ["/api/directory?region=region-5"],
                               "clients": 32, "warmup": 2, "duration": 10, "headers": {}}'
"""
from __future__ import annotations

import http.client
import json
import sys
import threading
import time


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def client(spec: dict, offset: int, start_at: float, measure_from: float, stop_at: float,
           latencies: list[float], errors: list[str]) -> None:
    paths = spec["paths"]
    headers = spec.get("headers", {})
    conn = http.client.HTTPConnection(spec.get("host", "127.0.0.1"), spec["port"], timeout=60)
    n = offset
    while time.monotonic() < start_at:
        time.sleep(0.001)
    while True:
        began = time.monotonic()
        if began >= stop_at:
            break
        path = paths[n % len(paths)]
        n += 1
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            failed = None if response.status == 200 else f"{response.status} {body[:200]!r}"
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            failed = f"{type(exc).__name__}: {exc}"
            conn.close()
        ended = time.monotonic()
        # Counted by completion time, so requests slower than the window still show.
        if measure_from <= ended <= stop_at:
            if failed:
                errors.append(failed)
            else:
                latencies.append(ended - began)
    conn.close()


def run(spec: dict) -> dict:
    clients = int(spec["clients"])
    start_at = time.monotonic() + 0.2
    measure_from = start_at + float(spec["warmup"])
    stop_at = measure_from + float(spec["duration"])
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[list[str]] = [[] for _ in range(clients)]
    threads = [threading.Thread(target=client, args=(spec, i, start_at, measure_from, stop_at, latencies[i], errors[i]),
                                daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(float(spec["warmup"]) + float(spec["duration"]) + 120)
    done = sorted(t for per_client in latencies for t in per_client)
    failed = [e for per_client in errors for e in per_client]
    return {
        "requests": len(done), "errors": len(failed), "error_samples": sorted(set(failed))[:5],
        "throughput": len(done) / float(spec["duration"]),
        "p50_ms": percentile(done, 0.50) * 1000, "p99_ms": percentile(done, 0.99) * 1000,
        "max_ms": (done[-1] * 1000) if done else float("nan"),
        "stuck_clients": sum(t.is_alive() for t in threads),
    }


def main(argv: list[str]) -> int:
    print(json.dumps(run(json.loads(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
