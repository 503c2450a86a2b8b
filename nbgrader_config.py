"""nbgrader's configuration for the course (instructors; students never need it).

Layout (DESIGN.md, section 5), relative to the folder of this file:

    solutions/<lab>/<lab>.ipynb             nbgrader's "source": answers, visible and hidden tests
    labs/<lab>/<lab>.ipynb                  nbgrader's "release": the student versions (`make labs`)
    grading/submitted/<student>/<lab>/      what students handed in
    grading/autograded/, grading/feedback/  nbgrader's work (and grading/release/, see below)
    grading/gradebook.db                    the gradebook (SQLite)
    grading/grading-status.json             graded or "not graded" (and why), per submission

``grading/`` is git-ignored: submissions and grades never enter the repository. The Make
targets ``labs``, ``grade`` and ``feedback`` (tools/nbgrader_tasks.py) drive nbgrader with
this file; ``make grade`` refreshes the gradebook from solutions/ into grading/release/.
Autograding runs through tools/autograding.py (sandbox, per-student seeds from the grading
secret, time and memory caps), whichever way nbgrader is started.
Every option below was checked against nbgrader 0.9.6's source: traitlets silently ignores
a misspelt name.
"""

import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))
GRADING = os.path.join(ROOT, "grading")
os.makedirs(GRADING, exist_ok=True)  # SQLite creates the gradebook, not its folder

# -- where things are ---------------------------------------------------------------------
c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "censorship-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.solution_directory = os.path.join("grading", "solution")
c.CourseDirectory.source_with_tests_directory = os.path.join("grading", "source_with_tests")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(GRADING, "gradebook.db")

# -- the student version ------------------------------------------------------------------
# No header or footer notebook; answers become nbgrader's usual stub, which fails until
# the student writes code, so the student version passes no test.
c.IncludeHeaderFooter.header = ""
c.IncludeHeaderFooter.footer = ""
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.enforce_metadata = True
c.LockCells.lock_grade_cells = True
c.LockCells.lock_solution_cells = True

# -- autograding --------------------------------------------------------------------------
# Submissions run through CourseExecute (tools/autograding.py) instead of nbgrader's
# Execute: a sandboxed kernel (bubblewrap) that sees only its own submission, each
# student's hidden cases from the course's secret (never given to a kernel), stderr
# counted as ordinary output, and a time cap per notebook. The same for `make grade`,
# `nbgrader autograde` and the formgrader's Autograde button: they all read this file.
TOOLS = os.path.join(ROOT, "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)
import autograding  # noqa: E402  (tools/ is not a package)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

# nbgrader 0.9.6's list (converters/autograde.py), with Execute replaced
c.Autograde.autograde_preprocessors = [
    autograding.CourseExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# "auto": under bubblewrap when it works on this machine (apt install bubblewrap);
# "bubblewrap": refuse to grade without it; "off": never (student code runs as you).
c.CourseExecute.sandbox = "auto"
c.CourseExecute.notebook_timeout = 600  # seconds for a whole notebook (a lab takes ~3 s)
c.CourseExecute.memory_limit = 4 * 2**30  # bytes of address space per kernel
c.CourseExecute.course_root = ROOT
c.CourseExecute.protected = [
    os.path.join(ROOT, "solutions"),
    GRADING,
    os.path.join(ROOT, "nbgrader_config.py"),
]
# A deleted grade cell comes back from the gradebook (an edited one always does).
c.OverwriteCells.add_missing_cells = True
# Every cell of a lab runs in well under a second (a hidden test cell simulates about
# fifteen fetches); 60 s per cell leaves room for a slow machine. On a timeout the kernel
# is interrupted: an endless loop costs that cell (and the tests of that answer) only.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.execute_retries = 0
# Nothing in a graded kernel needs a clean exit: stopping it at once saves about 0.1 s
# per submission (a fresh kernel per notebook is most of nbgrader's cost per student).
c.Execute.shutdown_kernel = "immediate"
# Any stderr output in a grade cell scores zero. Nothing in the course writes there
# (censorsim silences scapy), but a warning from a library update must not cost students
# points: drop stderr outputs that are warnings. (The pattern is searched in the whole
# text of each stderr output; a match removes that output.)
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)^(?:.*\w+Warning: |WARNING: |Matplotlib is building the font cache)"

# -- logs ---------------------------------------------------------------------------------
c.NbGrader.logfile = os.path.join(GRADING, "nbgrader.log")
