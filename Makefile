# The two commands a newcomer needs: `make up` runs the hotline, `make test` runs the tests.
# Both install what is missing first (scripts/setup; root for apt, mmdebstrap and chroot).
CONFIG ?=

.PHONY: setup up test lint demo-call

setup:
	./scripts/setup

up: setup
	.venv/bin/hotline up $(if $(CONFIG),--config $(CONFIG))

test: setup
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy .

demo-call: setup
	.venv/bin/hotline demo-call $(if $(CONFIG),--config $(CONFIG))
