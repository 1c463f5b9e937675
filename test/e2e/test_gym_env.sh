#!/usr/bin/env bash
# test_gym_env.sh MECSIM SRCDIR - python/mecsim/env.py's MecsimEnv (Gym-style reset/step over a mecsim
# subprocess and policy `external`) on a short DTOMALB cell run (test/e2e/gym_env_check.py): the API
# (observation dict and shapes, flatten(), terminated at the end, truncated at max_steps), one step per
# decision of the trace, the delayed 'delay' reward equal to the trace's delays task by task and in sum,
# the 'dtomalb' reward's return / slots equal to analysis/dtomalb_analysis.py's utility, identical
# observations and rewards on rerun, bad actions refused with ValueError and no mecsim left, a failing
# mecsim raising MecsimError with its error line, close() leaving no process, socket or temporary dir.
# torch-free (python3-zmq, numpy, h5py, pandas).
set -u
export PATH=/usr/bin:/bin:$PATH OPENBLAS_NUM_THREADS=1
MECSIM=$(readlink -f "$1")
SRC=$(readlink -f "$2")
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if TMPDIR=$T timeout 120 $PY "$SRC/test/e2e/gym_env_check.py" "$MECSIM" "$SRC" "$T"; then
  # no environment left its temporary directory behind (they are made under TMPDIR)
  if ls -d "$T"/mecsim-env-* >/dev/null 2>&1; then
    echo "FAIL: temporary directories left: $(ls -d "$T"/mecsim-env-*)"; exit 1
  fi
  echo "test_gym_env: all checks passed"
  exit 0
fi
echo "test_gym_env: FAILED"
exit 1
