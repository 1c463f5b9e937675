"""run_logged: one command of a batch of simulation or training runs, with its output, exit code and wall
time kept in a log file next to what it writes (used by memtl_runs.py and bcos_runs.py)."""
import os
import subprocess
import time


def run_logged(cmd, log):
    """Runs cmd (one BLAS thread, so that reruns are bit-identical) and writes LOG: wall time, exit code,
    the command line, then its stdout and stderr. Returns (exit code, wall seconds)."""
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    wall = time.time() - t0
    with open(log, "w") as f:
        f.write("# wall %.3f s\n# exit %d\n# %s\n%s%s" % (wall, p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p.returncode, wall
