"""Allow ``python -m omnichannel``."""

import sys

from ._cli import main

sys.exit(main())
