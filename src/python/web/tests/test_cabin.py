"""The cabin drawing's model: aisles where the seat map puts them, gaps where a row has no
seat in a column, and each seat's state and spoken label."""

from __future__ import annotations

from web.cabin import Seat, cabin, mine
from web.tests.fakes import FakeApi


def test_aisles_and_gaps_follow_the_seat_map() -> None:
    document = FakeApi().seats(7)
    block = document["cabins"][0]
    block["rows"][0]["seats"] = [s for s in block["rows"][0]["seats"] if s["column"] != "C"]
    section = cabin(document).sections[0]
    assert section.columns == ["A", "B", None, "C", "D"]
    first, second = section.rows
    assert [p.number if isinstance(p, Seat) else p for p in first.places] == [
        "1A", "1B", None, "", "1D"]
    assert second.exit_row
    assert section.title == "Economy"


def test_states_and_labels() -> None:
    api = FakeApi()
    api.held["1A"] = "someone"
    drawn = cabin(api.seats(7), mine=["1B"])
    states = {seat.number: seat.state for seat in drawn.seats()}
    assert states["1A"] == "taken"
    assert states["1B"] == "mine"
    assert states["1C"] == "free"
    labels = {seat.number: seat.label for seat in drawn.seats()}
    assert labels["1B"] == "Seat 1B, aisle, yours"
    assert labels["2A"] == "Seat 2A, window, exit row, free"
    assert drawn.count("free") == 6


def test_mine_is_the_confirmed_seats_on_that_flight_only() -> None:
    bookings = [
        {"flight_id": 7, "status": "confirmed", "seats": ["1A", "1B"]},
        {"flight_id": 7, "status": "cancelled", "seats": ["2C"]},
        {"flight_id": 8, "status": "confirmed", "seats": ["3D"]},
    ]
    assert mine(bookings, 7) == {"1A", "1B"}
