"""nbgrader for a student of the class: which course, and where nbgrader's exchange is.

On JUPYTER_CONFIG_PATH for students (the class server, the class image, `make lab`), with
the set-up beside it that leaves students nbgrader's assignment list and Validate button
and nothing of the instructor's. Both values come from the class file (hub/class.toml, or
``$CENSORSIM_CLASS_FILE``), which the instructors' configuration reads too.
"""

import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

HUB = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if HUB not in sys.path:
    sys.path.insert(0, HUB)
import classfile  # noqa: E402  (hub/classfile.py)

CLASS = classfile.load()
c.CourseDirectory.course_id = CLASS.course_id
c.Exchange.root = CLASS.exchange_root
