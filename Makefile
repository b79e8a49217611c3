# The README's commands. Everything goes through Pants (./pants bootstraps itself).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help start stop ps logs test lint check fmt build images

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

start: ## Start the whole system locally (DBs in containers, services from their PEX files)
	build-support/stack.sh start

stop: ## Stop the local system and remove what `make start` started
	build-support/stack.sh stop

ps: ## Show what the local system runs
	build-support/stack.sh ps

logs: ## Follow the services' logs
	build-support/stack.sh logs

test: ## Run every test (starts a Docker engine and builds local DB images when needed)
	env_lines="$$(build-support/test-env.sh)" && eval "$$env_lines" && ./pants test ::

lint: ## Lint (ruff) and type-check (mypy) everything
	./pants lint check ::

check: lint

fmt: ## Apply ruff's fixes
	./pants fmt ::

build: ## Build every PEX (and, once they exist, every image)
	./pants package ::

images: ## Start a Docker engine if none runs and build the local base/DB images
	build-support/images/build.sh
