"""The dashboard's server process: Streamlit started in this process once the dashboard's data is in memory.

``glamkg dashboard`` (:func:`kg.dashboard.server.streamlit_command`) runs
``python -m kg.dashboard.launch <app.py> <streamlit run options> -- --store PATH``. Before handing over to
Streamlit's own command line (``streamlit run``, in this process), it imports what every page imports and reads the
dashboard's tables from their on-disk cache into memory (:func:`kg.dashboard.data.preload`, filled by the command
just before): the first visitor's page run then costs what every later one does. ``glamkg dashboard`` prints its
URL only when this server answers its health check, so the URL means "ready".
"""

from __future__ import annotations

import sys


def store_argument(args: list[str]) -> str | None:
    """The ``--store PATH`` after the ``--`` of a ``streamlit run`` command line (the app's own arguments)."""
    own = args[args.index("--") + 1 :] if "--" in args else []
    if "--store" in own and own.index("--store") + 1 < len(own):
        return own[own.index("--store") + 1]
    return None


def main() -> None:
    args = sys.argv[1:]
    import altair  # noqa: F401  (what the pages import: paid here, not by the first visitor)

    from kg.dashboard import data, ui, views, worldmap  # noqa: F401

    data.preload(store_argument(args))
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *args]
    cli.main()


if __name__ == "__main__":
    main()
