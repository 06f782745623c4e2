# The two commands a newcomer needs: `make up` runs the hotline, `make test` runs the tests.
# Both install what is missing first (scripts/setup; root for apt, mmdebstrap and chroot).
CONFIG ?=
# make demo-call AT=2026-11-23T10:00:00 routes the demo's call (only it) as if at that time.
AT ?=
# `make up` is the first run on a machine of your own: --demo accepts the example secrets
# (change-me...) on loopback. `make up DEMO=` (or `hotline up --config FILE`) refuses them.
DEMO ?= --demo

.PHONY: setup up test lint demo-call bench bench-api

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

# Benchmarks (issue 9), never part of `make test` or CI: minutes of real telephony load.
# `make bench`: the product against native Asterisk side by side, interleaved runs (needs root
# and tcpdump); BENCH_ARGS e.g. "--levels 50,100 --reps 3" or "--quick" (a one-minute check).
# `make bench-api`: GET /calls and downloads at 1,000,000 seeded records (BENCH_ARGS "--postgres").
# Results: bench/results/<date>.json and .png, summarised in README's Benchmarks section.
BENCH_ARGS ?=

bench: setup
	nice -n 5 .venv/bin/python bench/load.py $(BENCH_ARGS)

bench-api: setup
	nice -n 5 .venv/bin/python bench/api_million.py $(BENCH_ARGS)
