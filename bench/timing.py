"""What the benchmark scripts share: timing a callable."""
import statistics
import time


def timed(fn, runs: int, budget: float | None = None) -> float:
    """The median wall-clock seconds of `runs` calls of `fn`; fewer calls once they have taken
    `budget` seconds in all (so that a very slow peer is timed once)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if budget is not None and sum(times) > budget:
            break
    return statistics.median(times)
