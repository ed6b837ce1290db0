"""What the benchmark scripts share: timing a callable."""
import statistics
import time


def timed(fn, runs: int) -> float:
    """The median wall-clock seconds of `runs` calls of `fn`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
