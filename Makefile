# The two commands: `make demo` (set-up, local node, sample batch, searches) and `make test`.
.PHONY: setup demo test es-start es-stop bench clean-data

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh

# The ingest, search and verify tests of tests/conftest.py's ON_EVERY_BACKEND run twice: on SQLite + directory and on
# PostgreSQL + S3 (local servers started by the tests). EVIDEX_TEST_BACKENDS=sqlite leaves the second run out.
# Test files run in EVIDEX_TEST_PROCESSES processes (pytest-xdist, default 2; 0 runs them in this one).
test: setup
	@EVIDEX_TEST_BACKENDS=$${EVIDEX_TEST_BACKENDS:-sqlite,postgres-s3} .venv/bin/python -m pytest -q --durations=30 \
		-n $${EVIDEX_TEST_PROCESSES:-2} --dist loadfile tests

es-start: setup
	@.venv/bin/evidex es start

es-stop:
	@.venv/bin/evidex es stop

bench: setup
	@.venv/bin/python bench/bench_ingest.py

clean-data:
	@.venv/bin/evidex es stop || true
	rm -rf data
