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

# What happened, for whoever listens (the webhooks domain sends each out to
# the endpoints that asked for it). Each is sent from the one place the thing
# happens, inside its transaction: a refused change sends nothing that lasts.

checkin_submitted = _signals.signal("checkin-submitted", doc="""
Sent by `checkins.services.submit_checkin` once a check-in is submitted, with
the check-in as sender, `actor` and `now`.
""")

checkins_missed = _signals.signal("checkins-missed", doc="""
Sent by the check-in jobs (`mark_missed`, and `open_due_checkins` for a
period already past its grace days) with `checkin_ids` (those that just
became missed) and `now`; the sender is None.
""")

initiative_flagged = _signals.signal("initiative-flagged", doc="""
Sent by `checkins.jobs.note_flags` when an initiative gains a say/do flag
(talk only, gone quiet, off track), with the initiative's id as sender,
`flags` (every flag it now has), `new_flags` (those it just gained),
`change` (a number that grows with each change of its flags) and `now`.
""")

readings_recorded = _signals.signal("readings-recorded", doc="""
Sent by `metrics.services` for every new reading, however it came (the
form, a check-in, the CSV import): `reading_ids`, `actor` and `now`; the
sender is None. The CSV import sends one signal for the whole file.
""")

decision_recorded = _signals.signal("decision-recorded", doc="""
Sent by `people.decisions.create_decision` once a people decision is
recorded, with the decision as sender, `actor` and `now`.
""")
