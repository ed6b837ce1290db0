"""What the benchmark scripts share: timing a callable."""
import statistics
import time


def timed(fn, runs: int, budget: float | None = None, at_least: float = 0.0,
          most: int = 25) -> float:
    """The median wall-clock seconds of `runs` calls of `fn`, or of more calls (up to `most`)
    until they have taken `at_least` seconds in all, so that a question answered in 50 ms is
    timed often enough for its median to be steady; fewer than `runs` once they have taken
    `budget` seconds in all (so that a very slow peer is timed once)."""
    times = []
    while len(times) < most and (len(times) < runs or sum(times) < at_least):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if budget is not None and sum(times) > budget:
            break
    return statistics.median(times)
