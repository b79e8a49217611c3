# BUILD file macros (pants.toml: [GLOBAL] build_file_prelude_globs). Every BUILD file can call
# what is defined here; a prelude cannot import anything.

# The one Dockerfile of every service image; python_service() fills in {service}, {port} and
# {folder} (where Pants puts the PEX: the BUILD file's path with dots).
# (Docker's own variables are written $NAME, without braces, so that str.format leaves them.)
SERVICE_DOCKERFILE = """\
# BASE_IMAGE: any Debian-based Python 3.11 image; the official one by default, the locally
# built flightres/python:3.11 where no registry is reachable (pants.toml passes it through).
ARG BASE_IMAGE=python:3.11-slim

# Stage 1: unpack the PEX into a venv with compiled bytecode, so the final image carries
# neither the PEX nor its cache, and starts without extracting anything.
FROM $BASE_IMAGE AS venv
USER root
COPY {folder}/{service}.pex /tmp/{service}.pex
RUN PEX_TOOLS=1 python3 /tmp/{service}.pex venv --compile /opt/{service}

# Stage 2: the runtime: the base image, the venv, a non-root user.
FROM $BASE_IMAGE
ARG GIT_COMMIT=dev
LABEL org.opencontainers.image.title="flightres-{service}" \\
      org.opencontainers.image.revision="$GIT_COMMIT"
COPY --from=venv /opt/{service} /opt/{service}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT={port}
# A numeric user works with any base image, whether or not it has a passwd entry for it.
USER 10001:10001
EXPOSE {port}
ENTRYPOINT ["/opt/{service}/pex"]
"""


def python_service(name, port, description=None, dev_only=False):
    """A service's PEX (`:<name>`, entry point `<name>.cli:main`) and its image (`:image`).

    The image is flightres/<name>, built from SERVICE_DOCKERFILE above and tagged with the git
    revision (GIT_COMMIT, which the release flow sets) and "latest". `dev_only` tags the target
    `dev-only`: the release flow (build-support/release.py) never releases it.
    """
    pex_binary(
        name=name,
        entry_point=f"{name}.cli:main",
        # `import yaml` brings the type stubs along for mypy; the service does not run them.
        dependencies=["!!3rdparty/python:reqs#types-PyYAML"],
        execution_mode="venv",
        # The image unpacks the PEX into a venv with `PEX_TOOLS=1 ... venv`.
        include_tools=True,
    )
    docker_image(
        name="image",
        repository=f"flightres/{name}",
        instructions=SERVICE_DOCKERFILE.format(
            service=name, port=port, folder=f"src.python.{name}"
        ).splitlines(),
        # This file is the image's Dockerfile: a change to it changes every image
        # (`--changed-since`, the release flow).
        dependencies=[f":{name}", "//build-support:service-dockerfile"],
        image_tags=["{build_args.GIT_COMMIT}", "latest"],
        image_labels={"org.opencontainers.image.description": description} if description else None,
        tags=["dev-only"] if dev_only else None,
    )


# Every image the whole stack (docker-compose.yml) runs: the tests that start it build them first.
STACK_IMAGES = (
    "src/python/flights:image",
    "src/python/reservations:image",
    "src/python/api:image",
    "src/python/devissuer:image",
    "src/python/web:image",
)
