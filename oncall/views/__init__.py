"""Pages of on-call: the on-call home, rotations and escalation, incidents and postmortems, calendar feeds."""
