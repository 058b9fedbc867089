"""The project's errors: one base, one subclass per kind of problem a user can act on.

Every message is a sentence meant for the person at the keyboard (what went wrong and,
where there is one, the command that repairs it). The CLI maps each kind to an exit
code; the app shows the message. None of them is a ValueError, so a bug in our own
code is never mistaken for bad input.
"""

from __future__ import annotations

# Repairs every IndexProblem: a build rebuilds an index that is missing, damaged or does not load, without --force.
REBUILD = "reviewqa build"

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


class ReviewQAError(Exception):
    """Base of every error reviewqa reports to a user."""

    exit_code = EXIT_FAILED


class QuestionRejected(ReviewQAError):
    """The input is not a question we can take (empty, too long, not text)."""

    exit_code = EXIT_REFUSED


class SettingsProblem(ReviewQAError):
    """A setting (flag, environment variable) has a value that cannot be used."""

    exit_code = EXIT_REFUSED


class IndexProblem(ReviewQAError):
    """The index cannot be used: missing, damaged, built with another model, or written by a newer reviewqa."""


class CorpusProblem(ReviewQAError):
    """The corpus cannot be built from: no readable review, an unreadable file under --strict."""


class BuildFailed(ReviewQAError):
    """A build could not run or finish: another build holds the lock, the disk is full or read-only."""


class ModelUnavailable(ReviewQAError):
    """The embedding model could not be loaded."""


class FetchFailed(ReviewQAError):
    """Fetching abstracts cannot start or go on (no network, a cache folder it must not touch)."""


class ModelServerFailed(ReviewQAError):
    """The model server writing an answer failed (unreachable, refused, too slow, a broken stream);
    the message is the one-line reason shown beside the extractive answer, which stands instead."""
