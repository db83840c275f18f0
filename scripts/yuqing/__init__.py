"""yuqing — 舆情台账: a Git-based case tracker and archive for online public-opinion incidents."""

__version__ = "0.1.0"
