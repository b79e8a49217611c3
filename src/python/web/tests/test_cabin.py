"""The cabin drawing's model: aisles where the seat map puts them, gaps where a row has no
seat in a column, and each seat's state and spoken label."""

from __future__ import annotations

from web.cabin import Row, Seat, cabin, mine
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


def test_a_row_is_drawn_escaped_with_each_seats_state() -> None:
    hostile = Seat('1"><script>', "window", "free", False, False)
    row = Row(1, True, (hostile, None, Seat("1C", "aisle", "taken", True, True), ""))
    html = row.html(chosen=['1"><script>'])
    assert "<script>" not in html
    assert 'aria-label="Seat 1&quot;&gt;&lt;script&gt;, window, free" checked>' in html
    assert 'aria-label="Seat 1C, aisle, exit row, extra legroom, taken" disabled>' in html
    assert html.count('class="aisle"') == 1
    assert html.count('class="gap"') == 1
    assert "EXIT" in html
    assert row.html(chosen=['1"><script>']) is html  # drawn once, then reused
