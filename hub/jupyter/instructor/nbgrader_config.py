"""nbgrader for an instructor of the class: the course, the exchange, and the formgrader.

On JUPYTER_CONFIG_PATH for the instructors' servers (hub/jupyterhub_config.py). The
formgrader (and ``nbgrader`` in the instructor's terminal) works on the instructor's
private copy of the course, ``~/<course_folder>`` (hub/class.toml), with that copy's own
``nbgrader_config.py``: the same sandbox, grading secret (``make secret``, in the
instructor's home), time and memory caps, due dates and late penalty as ``make grade``.
"""

import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

HUB = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if HUB not in sys.path:
    sys.path.insert(0, HUB)
import classfile  # noqa: E402  (hub/classfile.py)

CLASS = classfile.load()
COURSE = os.path.join(os.path.expanduser("~"), CLASS.course_folder)

c.CourseDirectory.course_id = CLASS.course_id
c.Exchange.root = CLASS.exchange_root
c.CourseDirectory.root = COURSE
# the course's own configuration (sandbox, secret, caps, late penalty...), when it is there
if os.path.isfile(os.path.join(COURSE, "nbgrader_config.py")):
    load_subconfig(os.path.join(COURSE, "nbgrader_config.py"))  # noqa: F821 (traitlets)
