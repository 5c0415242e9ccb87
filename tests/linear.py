"""Asserting that a text function runs in linear time, robustly on a busy machine.

Shared by the tests of the regex-heavy modules (sentence splitting, token-limit splitting,
figure extraction): an accidentally quadratic pattern is a denial of service on hostile input.
"""

from __future__ import annotations

import gc
import signal
import time

import pytest

BUDGET = 2.0  # seconds for one call on 20,000 characters; a linear pass takes milliseconds


class TooSlow(Exception):
    pass


def _timings(fn, small: str, large: str) -> tuple[float, float]:
    """Seconds per call of fn(small) and fn(large): the minimum over 5 rounds, each round timing
    enough calls of both to be measurable, interleaved so that both see the same machine load.

    The garbage collector is off meanwhile (as in `timeit`): a collection of the whole test
    session's objects costs more than the call and lands at random.
    """

    def alarm(signum, frame):
        raise TooSlow

    def timed(text, calls):
        start = time.perf_counter()
        for _ in range(calls):
            fn(text)
        return (time.perf_counter() - start) / calls

    old = signal.signal(signal.SIGALRM, alarm)
    gc.disable()
    try:
        signal.setitimer(signal.ITIMER_REAL, BUDGET)  # the regex engine checks for signals
        best = [timed(small, 1), timed(large, 1)]
        signal.setitimer(signal.ITIMER_REAL, 0)
        calls = [max(1, min(50, int(0.004 / max(t, 1e-7)))) for t in best]
        for _ in range(5):
            best = [
                min(t, timed(text, n))
                for t, text, n in zip(best, (small, large), calls, strict=True)
            ]
        return best[0], best[1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        gc.enable()


def assert_linear(fn, make):
    """Doubling a 20,000-character input no more than triples the time.

    Up to three measurements: other processes on a small machine can spoil one, but a
    superlinear algorithm fails all three.
    """
    small_text, large_text = make(20_000), make(40_000)
    for _ in range(3):
        try:
            small, large = _timings(fn, small_text, large_text)
        except TooSlow:
            pytest.fail(f"one call took over {BUDGET} s on at most 40,000 characters")
        if large <= 3 * small:
            return
    pytest.fail(f"doubling the input: {small * 1e3:.2f} ms -> {large * 1e3:.2f} ms")
