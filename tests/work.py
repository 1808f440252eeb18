"""Measure the work a function does by counting, not timing.

"Twice the input, at most twice the work" holds or fails the same way on an
idle laptop and on a machine shared by six test runs, where a wall-clock limit
does not. The count is of Python lines run: a loop that rescans the text for
every word shows up, work inside one C call (a regular expression) does not;
`python -m bench.text_checks` times that on megabyte inputs.
"""

import sys
from collections.abc import Callable


def lines_run(function: Callable[..., object], *args: object) -> int:
    """How many lines of Python run, in any module, while `function(*args)` runs.

    It runs once untraced first, so that work done once per process (a lazy
    import, a filled cache) is not counted against the input."""
    function(*args)
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        function(*args)
    finally:
        sys.settrace(previous)
    return count
