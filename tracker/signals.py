"""Signals one domain sends and others listen to, so a lower domain never
imports a higher one (Indico's `signals`). A receiver runs inside the
sender's call, in its transaction: it adds and flushes, never commits."""

from blinker import Namespace

_signals = Namespace()

behaviour_kind_changed = _signals.signal("behaviour-kind-changed", doc="""
Sent by `behaviours.services.update_behaviour` after a behaviour turned from
target to no-no or back, with the behaviour as sender, `actor` (the user
who changed it) and `now` (when). People decisions listen: evidence for it now counts the
other way.
""")
