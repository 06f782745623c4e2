# The two commands a newcomer needs: `make up` runs the hotline, `make test` runs the tests.
# Both install what is missing first (scripts/setup; root for apt, mmdebstrap and chroot).
CONFIG ?=
# make demo-call AT=2026-11-23T10:00:00 routes the demo's call (only it) as if at that time.
AT ?=
# `make up` is the first run on a machine of your own: --demo accepts the example secrets
# (change-me...) on loopback. `make up DEMO=` (or `hotline up --config FILE`) refuses them.
DEMO ?= --demo

.PHONY: setup up test lint demo-call

setup:
	./scripts/setup

up: setup
	.venv/bin/hotline up $(DEMO) $(if $(CONFIG),--config $(CONFIG))

test: setup
	.venv/bin/pytest

# ruff; the layering (import-linter: a new cycle or upward import fails); strict mypy on the
# source, and mypy on tests and benchmarks with untyped test functions allowed.
lint: setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	.venv/bin/mypy
	.venv/bin/mypy --allow-untyped-defs --allow-incomplete-defs --allow-any-generics \
		--allow-untyped-calls --no-warn-return-any --no-warn-unused-ignores tests bench

demo-call: setup
	.venv/bin/hotline demo-call $(if $(CONFIG),--config $(CONFIG)) $(if $(AT),--at "$(AT)")
