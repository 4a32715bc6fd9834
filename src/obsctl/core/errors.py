"""Errors that carry their own exit code, so the one boundary in `cli.py` can report them.

Exit codes are documented in docs/exit-codes.md; keep the two in step.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, the same for every command."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    BACKEND = 3
    AUTH = 4
    UNREACHABLE = 5
    INTERRUPTED = 130


class ObsctlError(Exception):
    """An error meant for the user: one line of message, an optional hint, an exit code."""

    exit_code: ExitCode = ExitCode.BACKEND

    def __init__(self, message: str, hint: str | None = None, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class CheckFailed(ObsctlError):
    """A check ran and its verdict is negative (unhealthy probe, route expectation not met)."""

    exit_code = ExitCode.CHECK_FAILED


class UsageError(ObsctlError):
    """Bad flags or invalid input files: the user must change what they typed or wrote."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """The contexts file (or another config file) is unreadable or invalid; names the key path."""


class BackendError(ObsctlError):
    """The backend answered with an error (4xx/5xx other than auth) or a malformed body."""

    exit_code = ExitCode.BACKEND

    def __init__(
        self, message: str, hint: str | None = None, status: int | None = None, body: str | None = None
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.body = body


class AuthError(ObsctlError):
    """The backend refused our credentials (401/403)."""

    exit_code = ExitCode.AUTH


class UnreachableError(ObsctlError):
    """The backend could not be reached or did not answer in time."""

    exit_code = ExitCode.UNREACHABLE


class NotBuiltError(UsageError):
    """A command group exists in the tree but its capability is not built yet."""
