#!/usr/bin/env bash
# Workload and decision modes end to end (see test_modes.py). Usage: test_modes.sh MECSIM SRCDIR
exec /usr/bin/python3 "$(dirname "$0")/test_modes.py" "$@"
