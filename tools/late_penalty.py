"""What a late submission costs, as hub/class.toml's ``[grading] late_penalty`` says.

nbgrader records how late each submission is (its ``timestamp.txt`` against the lab's due
date in the gradebook) and asks a plugin for the penalty. Its own plugin knows "none" and
"zero"; :class:`PercentPerDay` takes a share of the submission's points per day late, or
part of a day, never more than the points. ``nbgrader_config.py`` picks the plugin.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 24 * 60 * 60


class PercentPerDay(LateSubmissionPlugin):
    """A late notebook loses ``percent_per_day`` of its points per day (or part) late."""

    percent_per_day = Float(10.0, help="Percent of the points lost per day late.").tag(config=True)

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float:
        if total_seconds_late <= 0 or score <= 0:
            return 0.0
        days = math.ceil(total_seconds_late / DAY)
        return min(score, score * self.percent_per_day * days / 100)
