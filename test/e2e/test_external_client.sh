#!/usr/bin/env bash
# The Python client of policy `external` (python/mecsim/external.py) on hand-written requests,
# without mecsim (external_client_check.py). Usage: test_external_client.sh MECSIM SRCDIR
exec /usr/bin/python3 "$2/test/e2e/external_client_check.py" "$2"
