"""python3 -m mecsim MODULE:CLASS ENDPOINT [RUNS]: serve MODULE.CLASS() to mecsim's `external` policy."""
import sys

from .external import main

sys.exit(main())
