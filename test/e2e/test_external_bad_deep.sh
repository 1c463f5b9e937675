#!/usr/bin/env bash
# Policy `external`, bad peer: the agent answers with arrays nested 5,000 deep (refused before the recursive JSON parser runs on the actor's small stack).
# mecsim must exit non-zero with one line naming the fault and leave no trace (external_bad_peer.py).
# Usage: test_external_bad_deep.sh MECSIM SRCDIR
exec /usr/bin/python3 "$2/test/e2e/external_bad_peer.py" "$1" "$2" deep
