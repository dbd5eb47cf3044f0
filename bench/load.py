"""A small HTTP load generator: keep-alive connections in several processes."""

from __future__ import annotations

import http.client
import multiprocessing
import threading
import time
from urllib.parse import urlsplit


def _hammer(url: str, headers: dict[str, str], deadline: float, counts: list[int], slot: int) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    done = 0
    while time.monotonic() < deadline:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        done += 1
    connection.close()
    counts[slot] = done


def _process(url: str, headers: dict[str, str], seconds: float, threads: int, queue: "multiprocessing.Queue[int]") -> None:
    deadline = time.monotonic() + seconds
    counts = [0] * threads
    workers = [
        threading.Thread(target=_hammer, args=(url, headers, deadline, counts, slot))
        for slot in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put(sum(counts))


def requests_per_second(
    url: str, headers: dict[str, str], seconds: float = 10.0, processes: int = 2, threads: int = 4
) -> float:
    """Completed 200 responses per second with processes × threads keep-alive clients."""
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    clients = [
        multiprocessing.Process(target=_process, args=(url, headers, seconds, threads, queue))
        for _ in range(processes)
    ]
    for client in clients:
        client.start()
    total = sum(queue.get() for _ in clients)
    for client in clients:
        client.join()
    return total / seconds
