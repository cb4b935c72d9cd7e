"""`python -m patt_companion` runs the same CLI as the `patt-companion` script (CMPN-2)."""

import sys

from patt_companion.cli import main

if __name__ == "__main__":
    sys.exit(main())
