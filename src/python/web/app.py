"""HTTP layer: pages in, API layer calls out. Every page is rendered on the server and works
without JavaScript; ``static/cabin.js`` only adds a selection counter, the nine-seat limit and
arrow keys across the cabin.

Sessions live in the signed cookie (the access token, the CSRF token, flashed messages), so
any replica serves any request and a restart loses nothing. Errors are pages with words, never
a stack trace: 409 redraws the cabin as it is now, 503 says to try again.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from datetime import date
from typing import Any

import flask
from flask import Flask, abort, flash, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from chassis import Check
from chassis.flask import install
from web import cabin as cabins
from web.api import Api, ApiError, NotFound, NotSignedIn, SeatsTaken, Unavailable
from web.settings import Settings
from web.signin import Attempt, Issuer, SignInFailed, display_name

log = logging.getLogger(__name__)

SERVICE = "web"
AIRPORT = re.compile(r"[A-Z]{3}")
SEAT = re.compile(r"[1-9][0-9]?[A-K]")


def create_app(settings: Settings, api: Api | None = None, issuer: Issuer | None = None) -> Flask:
    api = api or Api(settings.api_url, timeout=settings.api_timeout, pool_size=settings.threads)
    issuer = issuer or Issuer(settings.oidc_issuer, settings.oidc_client_id)
    redirect_uri = f"{settings.public_url}/signin/callback"

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="flightres_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=16 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    install(app, service=SERVICE, checks=[Check("api", "component", api.ping)])

    @app.before_request
    def check_csrf() -> None:
        # Every form carries the session's token; SameSite=Lax alone leaves same-site pages.
        if request.method == "POST":
            sent = request.form.get("csrf", "")
            if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
                abort(400, "This form has expired. Reload the page and try again.")

    @app.context_processor
    def page_globals() -> dict[str, Any]:
        token = session.get("token")
        return {
            "customer": display_name(token) if token else None,
            "csrf": _csrf_token(),
        }

    @app.get("/")
    def search() -> str | tuple[str, int]:
        origin = request.args.get("origin", "").strip().upper()
        destination = request.args.get("destination", "").strip().upper()
        when = request.args.get("date", "").strip() or date.today().isoformat()
        form = {"origin": origin, "destination": destination, "date": when}
        if not origin and not destination:
            return render_template("search.html", form=form, flights=None, problem=None)
        problem = _search_problem(origin, destination, when)
        if problem:
            return render_template("search.html", form=form, flights=None, problem=problem), 422
        page = api.search(origin, destination, when)
        return render_template("search.html", form=form, flights=page.items, problem=None)

    @app.get("/flights/<int:flight_id>")
    def flight(flight_id: int) -> str:
        return _cabin_page(flight_id)

    @app.post("/flights/<int:flight_id>")
    def book(flight_id: int) -> Response | tuple[str, int]:
        token = session.get("token")
        if not token:
            return redirect(url_for("signin", next=url_for("flight", flight_id=flight_id)))
        seats = request.form.getlist("seat")
        problem = _seats_problem(seats)
        if problem:
            return _cabin_page(flight_id, problem=problem, chosen=seats), 422
        # The key was made when the page was drawn: sending the form twice books once.
        key = request.form.get("idempotency_key") or str(uuid.uuid4())
        try:
            booking = api.book(token, flight_id, seats, key)
        except SeatsTaken as taken:
            gone = ", ".join(taken.seats) or "Some of those seats"
            problem = (
                f"{gone} {'was' if len(taken.seats) == 1 else 'were'} taken by someone else "
                "a moment ago. Nothing was booked; the cabin below is as it is now."
            )
            chosen = [seat for seat in seats if seat not in taken.seats]
            return _cabin_page(flight_id, problem=problem, chosen=chosen), 409
        except ApiError as refused:
            if isinstance(refused, NotSignedIn | Unavailable):
                raise
            return _cabin_page(flight_id, problem=refused.detail, chosen=seats), refused.status
        flash(f"Booked {', '.join(booking['seats'])} on flight {flight_id}.")
        return redirect(url_for("bookings"), 303)

    @app.get("/bookings")
    def bookings() -> Response | str:
        token = session.get("token")
        if not token:
            return redirect(url_for("signin", next=url_for("bookings")))
        page = api.bookings(token, request.args.get("cursor") or None)
        # Each flight once (a page of 100 bookings is usually a handful of flights).
        flights = {fid: api.flight(fid) for fid in {b["flight_id"] for b in page.items}}
        return render_template(
            "bookings.html", bookings=page.items, flights=flights, next_cursor=page.next_cursor
        )

    @app.post("/bookings/<booking_id>/cancel")
    def cancel_booking(booking_id: str) -> Response:
        token = _signed_in()
        api.cancel_booking(token, booking_id)
        flash(f"Booking {booking_id} is cancelled.")
        return redirect(url_for("bookings"), 303)

    @app.post("/bookings/<int:flight_id>/<seat>/cancel")
    def cancel_seat(flight_id: int, seat: str) -> Response:
        token = _signed_in()
        api.cancel_seat(token, flight_id, seat)
        flash(f"Seat {seat} on flight {flight_id} is cancelled.")
        return redirect(url_for("bookings"), 303)

    @app.get("/signin")
    def signin() -> Response:
        attempt = Attempt.start(_local_path(request.args.get("next")))
        session["signin"] = attempt.__dict__
        return redirect(issuer.authorization_url(attempt, redirect_uri))

    @app.get("/signin/callback")
    def signin_callback() -> Response | tuple[str, int]:
        saved = session.pop("signin", None)
        if request.args.get("error"):
            flash("Sign-in was cancelled.")
            return redirect(url_for("search"), 303)
        try:
            if not saved:
                raise SignInFailed("this browser started no sign-in (or it took too long)")
            attempt = Attempt(**saved)
            state, code = request.args.get("state", ""), request.args.get("code", "")
            token = issuer.exchange(attempt, state, code, redirect_uri)
        except SignInFailed as failed:
            log.warning("sign-in failed: %s", failed)
            message = "Sign-in did not complete. Please try again."
            return render_template("error.html", title="Sign-in failed", message=message), 400
        session.clear()  # a new session for the new identity (no fixation)
        session["token"] = token
        flash(f"Signed in as {display_name(token)}.")
        return redirect(attempt.next, 303)

    @app.post("/signout")
    def signout() -> Response:
        session.clear()
        flash("Signed out.")
        return redirect(url_for("search"), 303)

    def _cabin_page(
        flight_id: int, *, problem: str | None = None, chosen: list[str] | None = None
    ) -> str:
        token = session.get("token")
        flight = api.flight(flight_id)
        availability = api.seats(flight_id)
        held: set[str] = set()
        if token:
            held = cabins.mine(api.bookings(token).items, flight_id)
        return render_template(
            "cabin.html",
            flight=flight,
            cabin=cabins.cabin(availability, held),
            chosen=set(chosen or ()),
            problem=problem,
            idempotency_key=str(uuid.uuid4()),
            max_seats=cabins.MAX_SEATS,
        )

    @app.errorhandler(NotSignedIn)
    def signed_out(_: NotSignedIn) -> Response:
        session.pop("token", None)
        flash("Your session has ended. Please sign in again.")
        return redirect(url_for("signin", next=_local_path(request.path)))

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> tuple[str, int]:
        return _error_page(404, "Not found", error.detail)

    @app.errorhandler(Unavailable)
    def unavailable(error: Unavailable) -> tuple[str, int, dict[str, str]]:
        message = f"{error.detail}. Nothing was changed; please try again in a moment."
        page, status = _error_page(503, "Please try again", message)
        return page, status, {"Retry-After": "5"}

    @app.errorhandler(ApiError)
    def refused(error: ApiError) -> tuple[str, int]:
        return _error_page(error.status, "That did not work", error.detail)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return _error_page(error.code, error.name, error.description or error.name)

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int]:
        log.error("unhandled exception in %s %s", request.method, request.path, exc_info=error)
        return _error_page(500, "Something went wrong", "Nothing was changed; please try again.")

    return app


def _signed_in() -> str:
    token = session.get("token")
    if not token:
        raise NotSignedIn(401, "sign in first")
    return str(token)


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def _local_path(path: str | None) -> str:
    """Only a path on this site (never ``//elsewhere`` or a URL): no open redirect."""
    if path and path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return "/"


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return flask.render_template("error.html", title=title, message=message), status


def _search_problem(origin: str, destination: str, when: str) -> str | None:
    if not AIRPORT.fullmatch(origin) or not AIRPORT.fullmatch(destination):
        return "Enter both airports as three-letter codes, like JFK and LAX."
    try:
        date.fromisoformat(when)
    except ValueError:
        return "Enter the date as YYYY-MM-DD."
    return None


def _seats_problem(seats: list[str]) -> str | None:
    if not seats:
        return "Choose at least one seat."
    if len(seats) > cabins.MAX_SEATS:
        return f"Choose at most {cabins.MAX_SEATS} seats per booking."
    if len(set(seats)) != len(seats) or not all(SEAT.fullmatch(seat) for seat in seats):
        return "Those are not seats on this flight."
    return None
