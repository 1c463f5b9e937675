#!/usr/bin/env bash
# run_policies.sh - runs mecsim on one scenario for several policies and seeds,
# one HDF5 trace per run, for analysis/compare_policies.ipynb. The runs are a
# sweep of tools/mecsim-sweep (policy x seed, GNU parallel; docs/sweeps.md) in
# DIR/sweep, whose traces are then linked as DIR/POLICY-sSEED.h5.
#
#   analysis/run_policies.sh [options] [-- extra mecsim arguments]
#
# Options (defaults in brackets; relative defaults are under the repository):
#   --mecsim PATH       the mecsim binary [$MECSIM, else build/mecsim]
#   --platform FILE     platform XML [platforms/small_cell.xml]
#   --deployment FILE   deployment XML [deployments/small_cell.xml]
#   --out DIR           output directory [out/compare]
#   --policies LIST     comma-separated [local,offload-nearest,random,greedy,least-loaded,round-robin]
#   --seeds LIST        comma-separated [1,2,3]
#   --jobs N            runs at once (GNU parallel --jobs) [one per CPU]
#   --clean             delete the *.h5 already in DIR first (the notebook refuses
#                       traces of different scenarios in one directory)
#   -h, --help          this help
# Everything after "--" goes to every mecsim run unchanged (scenario knobs such
# as --tasks_per_md 4 --deadline const:2). Each run writes DIR/POLICY-sSEED.h5
# with --quiet; its stdout/stderr go to DIR/POLICY-sSEED.log. The sweep's
# index (DIR/sweep/index.csv, index.h5) has every run's metrics. A rerun runs
# again only what is missing or failed (same scenario, same run ids).
#
# Exit status: 0 if every run succeeded, 1 if a run failed (the others still
# run), 2 on bad arguments.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

mecsim=${MECSIM:-$repo/build/mecsim}
platform=$repo/platforms/small_cell.xml
deployment=$repo/deployments/small_cell.xml
out=$repo/out/compare
policies=local,offload-nearest,random,greedy,least-loaded,round-robin
seeds=1,2,3
clean=0
jobs=100%
extra=()

usage() { sed -n '2,/^set -u/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "run_policies: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case $1 in
    --mecsim) [ $# -ge 2 ] || die "$1 needs a value"; mecsim=$2; shift 2 ;;
    --platform) [ $# -ge 2 ] || die "$1 needs a value"; platform=$2; shift 2 ;;
    --deployment) [ $# -ge 2 ] || die "$1 needs a value"; deployment=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "$1 needs a value"; out=$2; shift 2 ;;
    --policies) [ $# -ge 2 ] || die "$1 needs a value"; policies=$2; shift 2 ;;
    --seeds) [ $# -ge 2 ] || die "$1 needs a value"; seeds=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] || die "$1 needs a value"; jobs=$2; shift 2 ;;
    --clean) clean=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -x "$mecsim" ] || die "no mecsim binary at '$mecsim' (build it, or give --mecsim PATH or MECSIM=PATH)"
[ -r "$platform" ] || die "cannot read platform '$platform'"
[ -r "$deployment" ] || die "cannot read deployment '$deployment'"
IFS=, read -r -a policy_list <<< "$policies"
IFS=, read -r -a seed_list <<< "$seeds"
[ ${#policy_list[@]} -gt 0 ] || die "empty --policies"
[ ${#seed_list[@]} -gt 0 ] || die "empty --seeds"
for s in "${seed_list[@]}"; do
  [[ $s =~ ^[0-9]+$ ]] || die "seed '$s' is not a non-negative integer"
done
for p in "${policy_list[@]}"; do
  [[ $p =~ ^[A-Za-z0-9_.-]+$ ]] || die "policy name '$p' cannot be a file name"
done

mkdir -p "$out" || die "cannot create '$out'"
if [ $clean -eq 1 ]; then
  rm -f -- "$out"/*.h5 "$out"/*.log
fi

for p in "${policy_list[@]}"; do # no trace of an earlier call may pass for one of this call
  for s in "${seed_list[@]}"; do rm -f -- "$out/$p-s$s.h5" "$out/$p-s$s.log"; done
done
# One sweep: policy x seed crossed, the extra arguments given to every run.
args=()
for a in "${extra[@]}"; do args+=("--arg=$a"); done
"$repo/tools/mecsim-sweep" run --name compare --platform "$platform" --deployment "$deployment" \
  --swept "policy=$policies" --swept "seed=$seeds" "${args[@]}" --out "$out/sweep" --mecsim "$mecsim" \
  --jobs "$jobs" --retry-failed > "$out/sweep.log" 2>&1
rc=$?
if [ $rc -eq 2 ]; then
  echo "run_policies: mecsim-sweep refused the sweep:" >&2
  tail -n 3 "$out/sweep.log" >&2
  exit 2
fi
"$repo/tools/mecsim-sweep" link "$out/sweep" "$out" --pattern '{policy}-s{seed}' > /dev/null || exit 2
failed=0 done_runs=0
for p in "${policy_list[@]}"; do
  for s in "${seed_list[@]}"; do
    name="$p-s$s"
    if [ -s "$out/$name.h5" ]; then
      done_runs=$((done_runs + 1))
      echo "run_policies: $name -> $out/$name.h5"
    else
      failed=$((failed + 1))
      echo "run_policies: $name FAILED; see mecsim-sweep status $out/sweep:" >&2
      "$repo/tools/mecsim-sweep" status "$out/sweep" 2>&1 | grep -F "\"policy\": \"$p\", \"seed\": $s}" >&2
    fi
  done
done
echo "run_policies: $done_runs runs written to $out, $failed failed (index: $out/sweep/index.csv)"
[ $failed -eq 0 ] || exit 1
