#!/usr/bin/env bash
# Policy `external`, bad peer: the agent answers with malformed JSON.
# mecsim must exit non-zero with one line naming the fault and leave no trace (external_bad_peer.py).
# Usage: test_external_bad_malformed.sh MECSIM SRCDIR
exec /usr/bin/python3 "$2/test/e2e/external_bad_peer.py" "$1" "$2" malformed
