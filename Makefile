# The course's commands. `make lab` and `make test` do all the set-up on a fresh machine
# with Python 3.11+: a virtual environment in .venv with the project and its test extras.

PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# nbgrader runs the program `alembic` by name: the environment's bin/ must be on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv test lab bench fuzz lint clean labs grade feedback

$(STAMP):
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# the "Jupyter news" pop-up: LabApp.news_url alone does not stop it
	$(BIN)/jupyter labextension disable --level=sys_prefix \
		@jupyterlab/apputils-extension:announcements >/dev/null 2>&1
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

## test: run the whole test suite with the network switched off (where the system allows)
test: venv
	tests/offline.sh $(PY) -m pytest

## lab: open JupyterLab on the course
lab: venv
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --LabApp.news_url=None \
		--LabApp.default_url=/lab/tree/lessons/00-welcome.ipynb

## bench: print the speed and memory figures (nothing is asserted)
bench: venv
	$(PY) benchmarks/run_all.py

## fuzz: many more fuzzing examples than the test suite runs: 20,000 per parser property,
##       2,000 random whole worlds (rules, clients, URLs)
fuzz: venv
	HYPOTHESIS_PROFILE=fuzz WORLD_FUZZ_EXAMPLES=2000 $(PY) -m pytest -q \
		tests/test_fuzz.py tests/test_quic.py tests/test_ech.py tests/test_world_fuzz.py

## labs: (instructors) regenerate every labs/<lab>/ from solutions/<lab>/ and record the
##       labs in the gradebook grading/gradebook.db; the same bytes every time
labs: venv
	$(PY) tools/nbgrader_tasks.py labs

## grade: (instructors) autograde grading/submitted/<student>/<lab>/ (one nbgrader call per
##        lab) and print the scores; hidden tests draw their cases from a secret seed:
##        CENSORSIM_GRADING_SEED=<secret> make grade
grade: venv
	$(PY) tools/nbgrader_tasks.py grade

## feedback: (instructors) HTML feedback for the graded labs, under grading/feedback/
feedback: venv
	$(PY) tools/nbgrader_tasks.py feedback

LINTED := src tests benchmarks tools nbgrader_config.py lessons solutions labs

lint: venv
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache artifacts
