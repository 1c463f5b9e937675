#!/usr/bin/env bash
# M/D/1 at one edge server (see queue_run.sh). Usage: test_queue_md1.sh MECSIM SRCDIR
exec bash "$(dirname "$0")/queue_run.sh" const "$@"
