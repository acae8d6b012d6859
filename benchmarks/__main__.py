"""``python -m benchmarks [--quick] [--only LETTERS] [--out DIR] [--repeats N]``: the performance benchmarks."""

import sys

from benchmarks.command import main

if __name__ == "__main__":
    sys.exit(main())
