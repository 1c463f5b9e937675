#!/usr/bin/env bash
# M/M/1 at one edge server (see queue_run.sh). Usage: test_queue_mm1.sh MECSIM SRCDIR
exec bash "$(dirname "$0")/queue_run.sh" exp "$@"
