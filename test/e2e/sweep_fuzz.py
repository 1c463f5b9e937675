#!/usr/bin/python3
"""sweep_fuzz.py SRCDIR MECSIM WORKDIR [N] [SEED] - mutation fuzzing of the sweep spec (docs/sweeps.md):
N mutants (default 300) of sweeps/example.toml - lines deleted, duplicated, truncated, values replaced by
nasty ones, bytes flipped, keys misspelt, tables added - each given to `mecsim-sweep plan`. Every mutant
must end with exit 0 and a readable plan, or exit 2 and one line "mecsim-sweep: ..." on stderr: no
traceback, no other exit code, no hang (20 s each). Prints one line per failure and a summary; exit 1 on
any failure."""
import json
import os
import random
import subprocess
import sys

NASTY = ['""', "-1", "0", "nan", "inf", "-inf", "1e400", "[]", '[1, "a"]', "{}", "[[1]]", "true",
         "{start = 0, stop = 1e9, step = 1e-9}", "{start = 1, stop = 2, num = 0}", "{start = 1, stop = 2}",
         '"../../nope"', '"\\u0001"', '"' + "a" * 5000 + '"', "2147483648", '"x;rm -rf /"', "[1, 1, 1]",
         '{start = "a", stop = 2, step = 1}', "1979-05-27", '"platforms/small_cell.xml"']
HEADERS = ["[bogus]", "[sweep]", "[fixed]", "[swept]", "[slurm]", "[parallel]", "[[sweep]]", "[generate]"]


def mutate(text, rng):
    lines = text.split("\n")
    k = rng.randrange(8)
    i = rng.randrange(len(lines))
    if k == 0:
        del lines[i]
    elif k == 1:
        lines.insert(i, lines[i])
    elif k == 2 and "=" in lines[i]:
        key = lines[i].split("=", 1)[0]
        lines[i] = key + "= " + rng.choice(NASTY)
    elif k == 3:
        return text[:rng.randrange(len(text))]
    elif k == 4:
        pos = rng.randrange(len(text))
        return text[:pos] + chr(rng.choice([0, 1, 9, 10, 13, 34, 39, 61, 91, 93, 123, 125, 127, 233])) + text[pos + 1:]
    elif k == 5 and "=" in lines[i]:
        key, val = lines[i].split("=", 1)
        lines[i] = key.strip() + rng.choice(["x", "_", "s", "-"]) + " =" + val
    elif k == 6:
        lines.insert(i, rng.choice(HEADERS))
    else:
        lines.insert(i, "%s = %s" % (rng.choice(["rate", "seed", "policy", "until", "name", "jobs", "bogus"]),
                                     rng.choice(NASTY)))
    return "\n".join(lines)


def main(src, mecsim, work, n=300, seed=1):
    rng = random.Random(seed)
    base = open(os.path.join(src, "sweeps", "example.toml")).read()
    # absolute paths, so that a mutant that keeps them plans a real grid
    base = base.replace('"platforms/', '"%s/platforms/' % src).replace('"deployments/', '"%s/deployments/' % src)
    tool = os.path.join(src, "tools", "mecsim-sweep")
    fails, ok0, ok2 = 0, 0, 0
    for m in range(n):
        text = base
        for _ in range(rng.randint(1, 3)):
            text = mutate(text, rng)
        d = os.path.join(work, "m%d" % m)
        os.makedirs(d)
        spec = os.path.join(d, "spec.toml")
        with open(spec, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        try:
            p = subprocess.run([tool, "plan", spec, "--out", os.path.join(d, "out"), "--mecsim", mecsim, "--quiet"],
                               capture_output=True, text=True, timeout=20, errors="replace")
        except subprocess.TimeoutExpired:
            print("FAIL mutant %d: hang (> 20 s)" % m)
            fails += 1
            continue
        err = p.stderr.strip()
        if p.returncode == 0:
            try:
                with open(os.path.join(d, "out", "plan.json")) as f:
                    json.load(f)
                ok0 += 1
            except (OSError, ValueError) as e:
                print("FAIL mutant %d: exit 0 without a readable plan.json (%s)" % (m, e))
                fails += 1
        elif p.returncode == 2 and err.startswith("mecsim-sweep:") and "\n" not in err and "Traceback" not in err:
            ok2 += 1
        else:
            print("FAIL mutant %d: exit %d, stderr %r" % (m, p.returncode, err[-400:]))
            fails += 1
    print("%d mutants: %d planned, %d refused with one line and exit 2, %d failures" % (n, ok0, ok2, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    a = sys.argv[1:]
    sys.exit(main(a[0], a[1], a[2], int(a[3]) if len(a) > 3 else 300, int(a[4]) if len(a) > 4 else 1))
