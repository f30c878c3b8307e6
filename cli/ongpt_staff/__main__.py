"""``python -m ongpt_staff``."""

import sys

from ongpt_staff.main import main

sys.exit(main())
