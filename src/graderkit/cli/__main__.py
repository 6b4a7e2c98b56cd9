import sys

from graderkit.cli import main

sys.exit(main())
