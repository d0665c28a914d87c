"""`python -m cli ...` is `benefits-qa ...`."""
import sys

from cli.main import main

sys.exit(main())
