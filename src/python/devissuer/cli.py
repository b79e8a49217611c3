"""``devissuer`` (the PEX entry point): serve the development-only issuer with uvicorn.

The signing key is made here, at process start, and lives in this process's memory only: it is
never written to disk or baked into an image, so every start has a new key and tokens from a
previous run stop verifying (the API layer fetches the new JWKS on an unknown ``kid``).
"""

from __future__ import annotations

import logging

from chassis.config import settings_or_exit
from devissuer.app import SERVICE, create_app
from devissuer.keys import SigningKey
from devissuer.settings import Settings

log = logging.getLogger(__name__)


def main() -> None:
    settings = settings_or_exit(SERVICE, Settings.from_env)

    import uvicorn

    key = SigningKey.generate()
    app = create_app(settings, key)
    log.warning(
        "DEVELOPMENT ONLY: this issuer signs a token for any customer who asks, without a "
        "password; never expose it beyond this machine or deploy it",
        extra={"issuer": settings.issuer, "audience": settings.audience, "kid": key.kid},
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # the chassis routes uvicorn's loggers into its JSON lines
        access_log=False,  # the chassis logs each request
        server_header=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
