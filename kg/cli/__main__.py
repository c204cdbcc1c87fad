"""``python -m kg.cli``: the ``glamkg`` command."""

import sys

from kg.cli import main

sys.exit(main())
