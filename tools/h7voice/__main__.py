import sys

from h7voice.cli import main

sys.exit(main())
