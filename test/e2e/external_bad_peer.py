"""One bad-peer case of policy `external`: usage external_bad_peer.py MECSIM SRCDIR MODE.

Starts test/e2e/external_agent.py in MODE on a fresh ipc endpoint, runs mecsim against it with a
trace, and checks: non-zero exit (EXIT below), exactly one line on stderr (ASan's stack-switching
warning aside) that names what went wrong (WANT below), nothing on stdout but nothing required,
no trace under the final name nor its NAME.tmp.* temporary, and a run that stops well before the
test's limit."""
import glob
import os
import subprocess
import sys
import tempfile
import time

# mode: (expected exit code, words the one line must contain, timeout= argument)
CASES = {
    "silent": (1, ["no reply from the agent", "within 1 s", "decide #1"], 1),
    "die": (1, ["disconnected", "decide #3"], 20),
    "malformed": (1, ["malformed JSON", "decide #1"], 20),
    "range": (1, ["'target'", "expected an integer in 0..5"], 20),
    "count": (1, ["sent 11 decisions for a batch of 10 tasks"], 20),
    "version": (2, ["handshake", "schema version mismatch", "version 99", "version 1"], 20),
    "deep": (1, ["deeper than 8 levels", "decide #1"], 20),
    "flops": (1, ["'flops'", "-5", ">= 0"], 20),
    "absent": (2, ["no reply from the agent", "hello"], 1),
    "raise": (1, ["decide #2", "the agent reported an error", "ZeroDivisionError: the agent's own bug"], 20),
}
ASAN = ("__asan_handle_no_return", "False positive error reports may follow", "sanitizers/issues/189")


def main():
    mecsim, src, mode = sys.argv[1:4]
    code, words, timeout = CASES[mode]
    with tempfile.TemporaryDirectory() as tmp:
        ep = "ipc://%s/agent.sock" % tmp
        agent = None
        if mode != "absent":  # absent: nobody listens at the endpoint
            agent = subprocess.Popen([sys.executable, os.path.join(src, "test/e2e/external_agent.py"), src, mode, ep],
                                     stderr=subprocess.DEVNULL)
        trace = os.path.join(tmp, "t.h5")
        cmd = [mecsim, "platforms/dtomalb_cell.xml", "deployments/dtomalb_cell.xml", "--quiet", "--seed", "4",
               "--decide", "per-slot", "--policy", "external",
               "--policy-args", "endpoint=%s,timeout=%g" % (ep, timeout), "--trace", trace]
        t0 = time.monotonic()
        try:
            r = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=45)
        finally:
            if agent:
                agent.kill()
                agent.wait()
        wall = time.monotonic() - t0
        lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not any(a in ln for a in ASAN)]
        problems = []
        if r.returncode != code:
            problems.append("exit %d, expected %d" % (r.returncode, code))
        if len(lines) != 1:
            problems.append("%d lines on stderr, expected 1" % len(lines))
        text = " ".join(lines)
        missing = [w for w in words if w not in text]
        if missing:
            problems.append("the message lacks %s" % missing)
        left = [os.path.basename(p) for p in glob.glob(trace + "*")]
        if left:
            problems.append("left on disk: %s" % left)
        if wall > timeout + 15:
            problems.append("took %.1f s" % wall)
        if problems:
            print("%s: FAIL: %s\n  stderr: %s" % (mode, "; ".join(problems), r.stderr.strip()))
            return 1
        print("%s: ok (exit %d, %.2f s): %s" % (mode, r.returncode, wall, lines[0]))
        return 0


if __name__ == "__main__":
    sys.exit(main())
