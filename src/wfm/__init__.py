"""wfm: a workforce-management planner for contact centres.

The pipeline is history -> forecast -> requirements -> roster -> exports; `wfm.plan.plan`
runs it end to end and each stage is a library function of its own.
"""

from wfm.errors import Problem, WfmInputError

__all__ = ["Problem", "WfmInputError"]
__version__ = "0.1.0"
