"""`obsctl metrics`: PromQL from the terminal, for people and for scripts; one module per verb.

Importing a verb module registers it on `app`; the order here is the order of `--help`.
"""

# isort: off
from obsctl.metrics.commands import query  # noqa: F401
from obsctl.metrics.commands import series  # noqa: F401
from obsctl.metrics.commands import labels  # noqa: F401
from obsctl.metrics.commands import label_values  # noqa: F401
from obsctl.metrics.commands import metadata  # noqa: F401
from obsctl.metrics.commands import targets  # noqa: F401
from obsctl.metrics.commands import rules  # noqa: F401
from obsctl.metrics.commands import alerts  # noqa: F401
from obsctl.metrics.commands import exemplars  # noqa: F401
from obsctl.metrics.commands import buildinfo  # noqa: F401
from obsctl.metrics.commands import scrape  # noqa: F401
from obsctl.metrics.commands import export  # noqa: F401

# isort: on
from obsctl.metrics.commands.common import app

__all__ = ["app"]
