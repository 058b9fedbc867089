"""reviewqa: cited answers from one systematic review and the works it cites."""

__version__ = "0.1.0"
