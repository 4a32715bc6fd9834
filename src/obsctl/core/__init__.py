"""The shared client layer: settings, HTTP, errors, output and time parsing.

Nothing in here knows about a particular backend's API; signal packages build on it.
"""

import sys

# httpx imports its command-line client (click, rich, pygments: ~45 ms) whenever those happen to be
# installed, as typer's dependencies are; obsctl never runs it. Importing it fails on purpose, so
# httpx defines its stub `main` instead. Only set before httpx is first imported, by anyone.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
