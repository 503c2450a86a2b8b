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

.PHONY: venv test lab instructor bench fuzz lint clean labs grade feedback secret check

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

# tools/jupyter/student turns off nbgrader's instructor panels (formgrader, create
# assignment, course list), as binder/postBuild does for Binder.
STUDENT_JUPYTER := $(abspath tools/jupyter/student)$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))
JUPYTER_LAB = $(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.ip=127.0.0.1 --LabApp.news_url=None

## lab: open JupyterLab on the course, as a student sees it (no instructor panels)
lab: venv
	JUPYTER_CONFIG_PATH=$(STUDENT_JUPYTER) $(JUPYTER_LAB) \
		--LabApp.default_url=/lab/tree/lessons/00-welcome.ipynb

## instructor: open JupyterLab with nbgrader's instructor panels (formgrader...)
instructor: venv
	$(JUPYTER_LAB) --LabApp.default_url=/lab/tree/README.md

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

## grade: (instructors) autograde grading/submitted/<student>/<lab>/ in a sandbox and print
##        the scores; each student's hidden cases come from the grading secret (make secret)
grade: venv
	$(PY) tools/nbgrader_tasks.py grade

## secret: (instructors) create the grading secret, ~/.config/censorsim/grading-secret
secret: venv
	$(PY) tools/nbgrader_tasks.py secret

## check: (self-learners) grade your lab with the hidden tests and a fresh random seed:
##        make check LAB=lab01-dns [NB=path/to/your/notebook.ipynb]
check: venv
	@test -n "$(LAB)" || { echo "say which lab: make check LAB=lab01-dns" >&2; exit 2; }
	$(PY) tools/nbgrader_tasks.py check $(LAB) $(NB)

## feedback: (instructors) HTML feedback for the graded labs, under grading/feedback/
feedback: venv
	$(PY) tools/nbgrader_tasks.py feedback

LINTED := src tests benchmarks tools nbgrader_config.py lessons solutions labs

lint: venv
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache artifacts
