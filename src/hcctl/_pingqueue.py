"""The background sender: a bounded queue of pings served by one thread.

The caller only appends to a deque under a lock, so a ping costs microseconds. When the queue is
full the oldest ping is dropped (and counted): fresh pings say more about a job than stale ones.
An item that fails for a reason that may pass (server down, 5xx, 429) is retried, in order,
until it is delivered, so pings queued during an outage arrive after it. At interpreter exit the
queue is flushed within a deadline; after a fork the child starts with an empty queue and gets
its own thread on its first ping (the parent's thread does not exist there, and its lock may
have been held at the moment of the fork).
"""

from __future__ import annotations

import threading
from collections import deque

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["BackgroundSender"]


class BackgroundSender:
    """Runs `process(item)` for each item in a worker thread.

    `process` returns None when the item is done (delivered, or failed for good) or the number of
    seconds after which it must be tried again.
    """

    def __init__(
        self,
        process: Callable[[object], float | None],
        *,
        size: int,
        flush_timeout: float,
        on_drop: Callable[[int], None],
    ) -> None:
        self._process = process
        self._size = size
        self._flush_timeout = flush_timeout
        self._on_drop = on_drop
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[object] = deque()
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def put(self, item: object) -> None:
        with self._cond:
            if self._closed:
                return
            if len(self._queue) >= self._size:
                self._queue.popleft()
                self.dropped += 1
                self._on_drop(self.dropped)
            self._queue.append(item)
            if self._thread is None:
                self._start()
            self._cond.notify()

    def pending(self) -> int:
        """Items queued or being sent."""
        with self._cond:
            return len(self._queue) + self._busy

    def flush(self, timeout: float) -> bool:
        """Wait until every queued item is done, at most `timeout` seconds; True if all were."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self, timeout: float) -> bool:
        """Flush within `timeout`, then stop the thread; later items are ignored."""
        done = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        return done

    def after_fork(self) -> None:
        self._reset()

    def _start(self) -> None:
        import atexit

        self._thread = threading.Thread(target=self._run, name="hcctl-ping", daemon=True)
        self._thread.start()
        atexit.register(self._at_exit)

    def _at_exit(self) -> None:
        self.close(self._flush_timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed:
                    self._queue.clear()
                    self._busy = False
                    self._cond.notify_all()
                    return
                item = self._queue.popleft()
                self._busy = True
            self._serve(item)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _serve(self, item: object) -> None:
        delay = self._process(item)
        while delay is not None:
            with self._cond:
                if self._cond.wait_for(lambda: self._closed, delay):
                    return
            delay = self._process(item)
