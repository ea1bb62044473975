"""The project's exceptions: one base, ``KGError``, and a few subclasses callers can catch.

Every error knows where it comes from (file, line, claim) and says what is wrong in words,
so that the command line can print it as one line. Exit statuses follow pySHACL's convention:
1 when the input is well-formed but fails a check, 2 when it cannot be read or used at all.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "KGError",
    "InputError",
    "ValidationError",
    "UnknownName",
    "UnknownRelation",
    "NotBuilt",
    "CorpusInvalid",
    "StaleStore",
    "OtherLayout",
]


class KGError(Exception):
    """Base of every serbia-kg error.

    Parameters
    ----------
    message:
        What is wrong, in words.
    file, line, claim:
        Where: the file, its 1-based line, the claim id; each optional.
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None,
                 claim: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.claim = claim

    def __reduce__(self):
        # rebuilt from its attributes, not its constructor's arguments (which differ by subclass),
        # so that an error raised in a worker process reaches the main one whole
        return _restore, (type(self), self.message, self.__dict__)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            where = f"line {self.line}: "
        what = f"claim '{self.claim}': " if self.claim else ""
        return f"{where}{what}{self.message}"


class InputError(KGError):
    """The input cannot be read or used: a missing folder, malformed YAML, a bad option."""

    exit_code = 2


class ValidationError(KGError):
    """The input is readable but breaks a rule: a quote not found, an unknown entity, a SHACL shape."""

    exit_code = 1


class UnknownName(InputError):
    """A name that resolves to no entity of the registry; ``suggestions`` holds the closest names."""

    def __init__(self, kind: str, name: str, suggestions: list[str] | None = None, **where) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions or [])
        hint = ""
        if self.suggestions:
            hint = "; did you mean " + ", ".join(f"'{s}'" for s in self.suggestions) + "?"
        super().__init__(f"unknown {kind} '{name}'{hint}", **where)


class UnknownRelation(InputError, ValueError):
    """A relation name the projection does not know (a ``ValueError`` too, as it was)."""


class NotBuilt(InputError):
    """The built dataset that a command needs does not exist yet."""


class OtherLayout(NotBuilt):
    """The dataset (a store, a build, a server) holds derived graphs of another layout than this serbia-kg
    reads, or states none (:func:`graph.model.generation.layout_status`): build or push it again."""


class CorpusInvalid(KGError):
    """Several problems found in one pass over a corpus; ``problems`` lists them in file order."""

    def __init__(self, problems: list[KGError]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the corpus")
        self.exit_code = max((p.exit_code for p in self.problems), default=1)


class StaleStore(UserWarning):
    """A store that holds another build than its output folder (or does not say which): answers may be stale.

    Issued (``warnings.warn``) when such a store is opened; the command line prints it as one
    ``warning:`` line. Turn it into an error with ``warnings.simplefilter("error", StaleStore)``.
    """


def _restore(cls: type[KGError], message: str, state: dict) -> KGError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err
