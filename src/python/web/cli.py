"""``web`` (the PEX entry point): serve the site with gunicorn, configured by environment
variables only. gthread workers: each page waits on one to three API calls, threads overlap
them; one process per core for the GIL."""

from __future__ import annotations

from chassis import gunicorn
from chassis.config import settings_or_exit
from web.app import SERVICE, create_app
from web.settings import Settings


def main() -> None:
    settings = settings_or_exit(SERVICE, Settings.from_env)
    gunicorn.serve(lambda: create_app(settings), gunicorn.options(SERVICE, settings))


if __name__ == "__main__":
    main()
