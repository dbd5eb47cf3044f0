"""A small HTTP load generator: keep-alive connections in several processes."""

from __future__ import annotations

import http.client
import itertools
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Load:
    """Requests to repeat: a method, a URL, headers, and bodies used in turn."""

    url: str
    headers: dict[str, str]
    method: str = "GET"
    bodies: Sequence[bytes] = field(default=(b"",))
    expect: int = 200


def _hammer(load: Load, deadline: float, counts: list[int], slot: int, interval: float) -> None:
    parts = urlsplit(load.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {**load.headers, "Content-Type": "application/json"}
    done = 0
    due = time.monotonic()
    for body in itertools.cycle(load.bodies[slot:] or load.bodies):
        now = time.monotonic()
        if now >= deadline:
            break
        if interval:
            # Open loop: requests leave on schedule, whatever the server's pace.
            time.sleep(max(0.0, due - now))
            due += interval
        connection.request(load.method, target, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != load.expect:
            raise RuntimeError(f"{load.method} {load.url} answered {response.status}")
        done += 1
    connection.close()
    counts[slot] = done


def _process(
    load: Load, seconds: float, threads: int, interval: float, queue: multiprocessing.Queue[int]
) -> None:
    deadline = time.monotonic() + seconds
    counts = [0] * threads
    workers = [
        threading.Thread(target=_hammer, args=(load, deadline, counts, slot, interval))
        for slot in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(sum(counts))


def start(
    load: Load,
    seconds: float,
    processes: int = 2,
    threads: int = 4,
    rate: float | None = None,
) -> Callable[[], float]:
    """Start the load in the background; the returned call waits and gives requests/s.
    Without `rate` every client sends as fast as it is answered; with it, the clients
    together send `rate` requests/s."""
    interval = processes * threads / rate if rate else 0.0
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    clients = [
        multiprocessing.Process(target=_process, args=(load, seconds, threads, interval, queue))
        for _ in range(processes)
    ]
    for client in clients:
        client.start()

    def finish() -> float:
        total = sum(queue.get() for _ in clients)
        for client in clients:
            client.join()
        return total / seconds

    return finish


def requests_per_second(
    url: str, headers: dict[str, str], seconds: float = 10.0, processes: int = 2, threads: int = 4
) -> float:
    """Completed 200 responses per second with processes × threads keep-alive GET clients."""
    return start(Load(url, headers), seconds, processes, threads)()
