import sys

from ponstack.cli import main

sys.exit(main())
