"""Measure the work a function does by counting, not timing.

"Twice the input, at most twice the work" holds or fails the same way on an
idle laptop and on a machine shared by six test runs, where a wall-clock limit
does not. The count is of lines of the app's own code (`tracker/`) run: a
loop that rescans the text for every word shows up, work inside one C call
(a regular expression) does not; `python -m bench.text_checks` times that on
megabyte inputs.
"""

import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path

import tracker

APP = str(Path(tracker.__file__).parent) + os.sep


def lines_run(function: Callable[..., object], *args: object) -> int:
    """How many lines of `tracker/` run while `function(*args)` runs.

    It runs once untraced first, so that work done once per process (a lazy
    import, a filled cache) is not counted against the input; the garbage
    collector is off while counting, so that objects other tests left behind
    are not finalised in the middle."""
    function(*args)
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    def enter(frame, event, arg):
        # Called for each new frame: trace its lines only if it is the app's code.
        return trace if frame.f_code.co_filename.startswith(APP) else None

    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        function(*args)
    finally:
        sys.settrace(previous)
        if collecting:
            gc.enable()
    return count
