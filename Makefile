# The README's commands. Everything goes through Pants (./pants bootstraps itself).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help start stop ps logs token test lint check fmt build images bench load

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

start: ## Start the whole system locally (PUBLISH=all: services and databases on the host too)
	PUBLISH="$(PUBLISH)" build-support/stack.sh start

stop: ## Stop the local system and remove what `make start` started
	build-support/stack.sh stop

ps: ## Show what the local system runs
	build-support/stack.sh ps

logs: ## Follow the services' logs
	build-support/stack.sh logs

token: ## Print a bearer token for CUSTOMER from the running dev issuer: make -s token CUSTOMER=alice
	@build-support/stack.sh token "$(CUSTOMER)"

# The host tools, Docker engine and image choice (MYSQL_IMAGE, REDIS_IMAGE, BASE_IMAGE) that
# tests and image builds need; prepared when missing, one progress line each (installer output
# goes to a log, shown and named on failure: build-support/progress.sh).
WITH_ENV = source build-support/progress.sh \
	&& step 1/3 "Host tools" build-support/host-tools.sh \
	&& step 2/3 "Docker engine" build-support/docker-engine.sh \
	&& env_lines="$$(step 3/3 "Base and database images" build-support/test-env.sh)" \
	&& eval "$$env_lines" &&

test: ## Run every test: Pants' suite, then the release-flow and changed-only checks
	$(WITH_ENV) ./pants test :: \
	  && build-support/check-release-flow.sh \
	  && build-support/check-changed-selection.sh

lint: ## Lint (ruff) and type-check (mypy) everything
	./pants lint check ::

check: lint

fmt: ## Apply ruff's fixes (Pants 2.17's ruff backend has no formatter)
	./pants fix ::

build: ## Build every PEX and every service image (tagged with the git revision and latest)
	$(WITH_ENV) GIT_COMMIT="$$(git rev-parse --short HEAD)" ./pants package ::

images: ## Start a Docker engine if none runs and build the local base/DB images (no registry needed)
	build-support/images/build.sh

bench: ## Benchmarks vs minimal baselines on docker-compose.yml -> docs/benchmarks.{md,json} (BENCH_ARGS=--quick: a smoke run)
	$(WITH_ENV) ./pants package src/python/flights:image src/python/reservations:image \
	  src/python/api:image src/python/devissuer:image src/python/web:image \
	  src/python/benchmarks:image src/python/benchmarks:bench \
	  && dist/src.python.benchmarks/bench.pex $(BENCH_ARGS)

load: ## Load the running system (make start first): Locust journeys, 20 users for 30 s
	./pants run src/python/loadgen:loadgen -- --host http://127.0.0.1:8080 --users 20 \
	  --spawn-rate 10 --run-time 30s --days 30
