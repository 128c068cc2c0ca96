"""The booking race across both app servers (issue 20): 50 signed-in patients, each in its own
session, walk the wizard to the confirm step for the same slot (one free room), half on each app
server, then post the confirm form at once. Exactly one booking; no server error. The figures are
printed for docs/cluster.md (bench/cluster.py prints the same)."""

from __future__ import annotations

from bench.cluster import booking_race


def test_fifty_patients_confirming_one_slot_on_two_servers_make_exactly_one_booking(cluster):
    race = booking_race(cluster.state, clients=50)
    print(f"\nbooking race: {race}")
    assert race["client_errors"] == []  # every client reached the confirm step and had an answer
    assert race["server_errors"] == 0
    assert race["for_the_slot"] == 1 and race["race_bookings"] == 1
    assert race["in_the_room_at_that_time"] == 1
    assert sum(race["answers"].values()) == 50
    assert race["answers"].get("302 booked") == 1
    assert len(race["by_server_port"]) == 2  # both servers answered confirms
