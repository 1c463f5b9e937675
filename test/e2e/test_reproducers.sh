#!/usr/bin/env bash
# One case per reproducer of issue 8 (an outside mutation fuzzer's findings): each used to crash,
# hang, exit 0 with lost tasks or non-finite values, or leave a temporary trace behind. Each must now
# end as the interface promises (lib_cases.sh): exit 2 and one line naming the file, element or
# option for bad input; for signals and a full disk, a non-zero exit, one line with the simulated
# time, and no trace under either name.
# Usage: test_reproducers.sh MECSIM SRCDIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
cleanup() {
  if mountpoint -q "$tmp/full" 2> /dev/null; then umount "$tmp/full"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
ulimit -c 0
plat=$src/platforms/small_cell.xml
dep=$src/deployments/small_cell.xml
pass=0 fail=0
source "$(dirname "$0")/lib_cases.sh"
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }

in=$tmp/inputs
mkdir -p "$in"

# --- deployment actors SimGrid would abort on
sed 's|<actor host="md-4" function="mobile_device"/>|<actor host="md-9" function="mobile_device"/>|' "$dep" > "$in/no_host.xml"
line=$(grep -n 'host="md-9"' "$in/no_host.xml" | cut -d: -f1)
case_ actor_on_missing_host 2 one "deployment $in/no_host.xml line $line: actor 'mobile_device' on host 'md-9'" \
  "the platform has no such host" -- "$plat" "$in/no_host.xml"
sed 's|<actor host="md-4" function="mobile_device"/>|<actor host="md-4" function="mobile_devise"/>|' "$dep" > "$in/no_fn.xml"
line=$(grep -n 'mobile_devise' "$in/no_fn.xml" | cut -d: -f1)
case_ unknown_actor_function 2 one "deployment $in/no_fn.xml line $line:" "unknown actor function" \
  "did you mean 'mobile_device'?" -- "$plat" "$in/no_fn.xml"

# --- routes the forwarding mode needs
grep -v 'route src="bs" dst="es-1"' "$plat" > "$in/no_fiber.xml"
# fuzzer seed 13 mutant 457: a stray argument holding a newline split the one-line message
case_ stray_argument_newline 2 one "unexpected argument 't.h5?': expected PLATFORM.xml DEPLOYMENT.xml" -- \
  "$plat" "$dep" --set --trace $'t.h5\n'
case_ no_route_bs_to_server 2 one "platform $in/no_fiber.xml: no route from 'bs' to 'es-1'" -- "$in/no_fiber.xml" "$dep"
grep -v 'route src="bs" dst="es-1"' "$src/platforms/wifi_cell.xml" > "$in/wifi_no_fiber.xml"
case_ wifi_no_route_bs_to_server 2 one "platform $in/wifi_no_fiber.xml: no route from 'bs' to 'es-1'" \
  -- "$in/wifi_no_fiber.xml" "$src/deployments/wifi_cell.xml"
grep -v 'zoneRoute' "$src/platforms/wifi_cell.xml" > "$in/wifi_no_zoneroute.xml"
case_ wifi_zones_not_connected 2 one "SimGrid cannot compute the route from 'md-0' to 'bs'" -- \
  "$in/wifi_no_zoneroute.xml" "$src/deployments/wifi_cell.xml"
# found by test_fuzz.sh's seed 3: SimGrid checks a Wi-Fi zone's access point only when it seals the
# platform, which used to happen at the start of the run (an abort with a backtrace)
sed 's|<prop id="access_point" value="ap"/>|<prop id="access_point" value="no-ap"/>|' "$src/platforms/wifi_cell.xml" \
  > "$in/wifi_bad_ap.xml"
case_ wifi_access_point_missing 2 one "platform $in/wifi_bad_ap.xml: Access point 'no-ap' of WIFI zone 'wifi' does not exist" \
  -- "$in/wifi_bad_ap.xml" "$src/deployments/wifi_cell.xml"
grep -v 'route src="es-1" dst="es-' "$src/platforms/dtomalb_n5.xml" > "$in/star.xml"
case_ star_fiber_via_first 2 one "platform $in/star.xml: no route from 'es-1' to 'es-2'" "forward=via-first" "--forward direct uses the platform's route" -- \
  "$in/star.xml" "$src/deployments/dtomalb_n5.xml" --policy round-robin --tasks_per_md 2
d=$tmp/star_direct && mkdir -p "$d"
if "$bin" "$in/star.xml" "$src/deployments/dtomalb_n5.xml" --policy round-robin --tasks_per_md 2 --forward direct \
  --quiet --trace "$d/t.h5" > "$d/out" 2> "$d/err" && [ -s "$d/t.h5" ]; then
  ok "star_fiber_direct runs (exit 0, trace written)"
else
  ko "star_fiber_direct: $(head -2 "$d/err")"
fi

# --- a sampler that used to make wall time grow with simulated time
d=$tmp/slow_rate && mkdir -p "$d"
start=$(date +%s)
timeout 120 "$bin" "$plat" "$dep" --arrivals poisson --rate 1e-6 --tasks_per_md 2 --quiet --trace "$d/t.h5" \
  > "$d/out" 2> "$d/err"
rc=$? wall=$(($(date +%s) - start))
if [ $rc -eq 0 ] && [ $wall -lt 60 ]; then ok "poisson_rate_1e-6 finishes (${wall}s wall)"; else ko "poisson_rate_1e-6: exit $rc after ${wall}s"; fi
case_ sample_below_1us 2 one "knob 'sample' = 1e-10: expected 0 (no samples) or a period in [1e-06" -- \
  "$plat" "$dep" --sample 1e-10

# --- task files with values that are not finite numbers
printf 'md,arrival_s,input_bits,cycles,output_bits,deadline_s\n0,0,1e6,1e8,1e3,0\n1,nan,1e6,1e8,1e3,0\n' > "$in/nan.csv"
case_ task_file_nan 2 one "task file '$in/nan.csv' line 3: arrival_s = nan: expected a finite number" -- \
  "$plat" "$dep" --arrivals file --task_file "$in/nan.csv"
printf '0,0,inf,1e8,1e3,0\n' > "$in/inf.csv"
case_ task_file_inf 2 one "task file '$in/inf.csv' line 1: input_bits = inf" -- \
  "$plat" "$dep" --arrivals file --task_file "$in/inf.csv"
printf '0,0,1e6,1e8,1e3,0\n1,0,1e6,1e400,1e3,0\n2,0,1e6,1e8,1e3,0\n' > "$in/inf_cycles.csv"
case_ task_file_infinite_cycles 2 one "line 2: cycles = inf" -- \
  "$plat" "$dep" --arrivals file --task_file "$in/inf_cycles.csv"

# --- distributions and knobs whose values overflow
case_ cycles_exp_1e308 2 one "knob 'task_cycles': the distribution can produce values up to inf cycle" -- \
  "$plat" "$dep" --task_cycles exp:1e308
case_ bits_exp_1e308 2 one "knob 'task_bits': the distribution can produce values up to inf bit" -- \
  "$plat" "$dep" --task_bits exp:1e308
case_ noise_minus_1e9 2 one "knob 'noise_dbm_hz' = -1e+09: expected a number in [-300, 100]" -- \
  "$plat" "$dep" --noise_dbm_hz=-1e9
case_ path_gain_1e308 2 one "knob 'path_gain_db' = 1e+308" -- "$plat" "$dep" --path_gain_db=1e308
sed 's|<host id="md-3" speed="450Mf">|<host id="md-3" speed="450Mf"><prop id="tx_power" value="1e308"/>|' "$plat" \
  > "$in/tx_power.xml"
case_ host_tx_power_1e308 2 one "platform $in/tx_power.xml: host 'md-3': property 'tx_power' = '1e308'" -- \
  "$in/tx_power.xml" "$dep"
case_ rate_zero_uplink 2 one "mobile device 0 (host 'md-0'" "uplink 0 bit/s" -- "$plat" "$dep" --path_gain_db=-300

# --- device hosts whose CPU cannot run a task
for speed in 0f -300Mf nanf; do
  sed "s|<host id=\"md-0\" speed=\"300Mf\">|<host id=\"md-0\" speed=\"$speed\">|" "$plat" > "$in/speed_$speed.xml"
  case_ "md_speed_$speed" 2 one "platform $in/speed_$speed.xml" "md-0" -- "$in/speed_$speed.xml" "$dep"
done

# --- SimGrid options that crashed or hung it
case_ cfg_stack_size_0 2 one "option '--cfg=contexts/stack-size:0': expected an integer in [16," -- \
  "$plat" "$dep" --cfg=contexts/stack-size:0
case_ cfg_stack_size_1 2 one "option '--cfg=contexts/stack-size:1'" -- "$plat" "$dep" --cfg=contexts/stack-size:1
case_ cfg_guard_size_neg 2 one "option '--cfg=contexts/guard-size:-5'" -- "$plat" "$dep" --cfg=contexts/guard-size:-5
case_ cfg_precision_neg 2 one "option '--cfg=surf/precision:-1'" -- "$plat" "$dep" --cfg=surf/precision:-1
case_ log_bad_threshold 2 one "mecsim: command line: SimGrid option: Unknown priority name: nonsense" -- \
  "$plat" "$dep" --log=root.thres:nonsense
case_ cfg_unknown_key 2 one "SimGrid option: Bad config key: no/such-key" -- "$plat" "$dep" --cfg=no/such-key:1
case_ cfg_bad_model 2 one "SimGrid option: Model 'Nonsense' is invalid" -- "$plat" "$dep" --cfg=network/model:Nonsense
case_ cfg_bad_plugin 2 one "SimGrid option:" "invalid" -- "$plat" "$dep" --cfg=plugin:nonsense
case_ log_unwritable_file 2 one "SimGrid option: Cannot open file: /nonexistent/log" -- \
  "$plat" "$dep" --log=root.app:file:/nonexistent/log

# --- a misspelled property on a device host (was ignored: the device was placed at random)
sed 's|<prop id="distance" value="35"/>|<prop id="distanse" value="35"/>|' "$plat" > "$in/distanse.xml"
case_ misspelled_host_property 2 one "platform $in/distanse.xml: host 'md-1': unknown property 'distanse'" \
  "did you mean 'distance'?" -- "$in/distanse.xml" "$dep"

# --- the trace must not overwrite an input, and a directory is refused before the run
cp "$plat" "$in/plat_copy.xml"
case_ trace_is_the_platform 2 one "trace '$in/plat_copy.xml' is the platform file" -- \
  "$in/plat_copy.xml" "$dep" --trace "$in/plat_copy.xml"
if cmp -s "$plat" "$in/plat_copy.xml"; then ok "platform file untouched"; else ko "platform file was modified"; fi
mkdir -p "$in/adir"
start=$(date +%s)
case_ trace_is_a_directory 2 one "trace '$in/adir' is a directory" -- "$plat" "$dep" --trace "$in/adir" --tasks_per_md 100000
[ $(($(date +%s) - start)) -lt 30 ] && ok "directory refused before the run" || ko "directory refused only after the run"

# --- signals on a running simulation: no trace under either name, the simulated time, no actor dump
for sig in INT TERM HUP; do
  d=$tmp/sig_$sig && mkdir -p "$d"
  (cd "$d" && exec "$bin" "$plat" "$dep" --tasks_per_md 100000000 --quiet --trace "$d/t.h5" > "$d/out" 2> "$d/err.raw") &
  pid=$!
  for _ in $(seq 1 100); do ls "$d"/t.h5.tmp.* > /dev/null 2>&1 && break; sleep 0.1; done
  sleep 1
  kill -$sig $pid
  wait $pid
  rc=$?
  strip_asan "$d/err.raw" "$d/err"
  want=$((128 + $(kill -l $sig)))
  left=$(ls -a "$d" | grep '^t\.h5' | tr '\n' ' ')
  if [ $rc -eq $want ] && [ -z "$left" ] && [ "$(grep -c . "$d/err")" -eq 1 ] &&
    grep -q "mecsim: interrupted by SIG$sig at simulated time [0-9.]* s; no trace was written" "$d/err"; then
    ok "SIG$sig mid-run: exit $rc, $(cat "$d/err")"
  else
    ko "SIG$sig mid-run: exit $rc (want $want), left '$left', stderr: $(head -3 "$d/err")"
  fi
done

# --- a full disk (a 64 KiB tmpfs; needs the right to mount, which CI's root has)
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2> /dev/null; then
  d=$tmp/full
  # libhdf5 1.10.8 leaks its write buffer when a write fails (not ours to free): no leak check here
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
    "$bin" "$plat" "$dep" --tasks_per_md 2000 --quiet --trace "$d/t.h5" > "$tmp/full.out" 2> "$tmp/full.raw"
  rc=$?
  strip_asan "$tmp/full.raw" "$tmp/full.err"
  left=$(ls -a "$d" | grep '^t\.h5' | tr '\n' ' ')
  if [ $rc -eq 1 ] && [ -z "$left" ] && [ "$(grep -c . "$tmp/full.err")" -eq 1 ] &&
    grep -q "No space left on device" "$tmp/full.err" && grep -q "simulated time" "$tmp/full.err"; then
    ok "disk full: exit 1, $(cat "$tmp/full.err")"
  else
    ko "disk full: exit $rc, left '$left', stderr: $(head -3 "$tmp/full.err")"
  fi
else
  echo "SKIP disk full: cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)"
fi

# --- overload is visible at the start
d=$tmp/overload && mkdir -p "$d"
"$bin" "$plat" "$dep" --arrivals poisson --rate 50 --until 2 --quiet --trace "$d/t.h5" > "$d/out" 2> "$d/err.raw"
rc=$?
strip_asan "$d/err.raw" "$d/err"
if [ $rc -eq 0 ] && grep -q "mecsim: warning: the cell is overloaded" "$d/err" &&
  grep -q "more still in flight at --until" "$d/out"; then
  ok "overload warning: $(head -c 160 "$d/err")"
else
  ko "overload warning: exit $rc, stderr: $(head -3 "$d/err")"
fi
"$bin" "$plat" "$dep" --quiet --trace "$d/t2.h5" > "$d/out2" 2> "$d/err2.raw"
strip_asan "$d/err2.raw" "$d/err2"
[ ! -s "$d/err2" ] && ok "no warning for the default cell" || ko "default cell warns: $(head -2 "$d/err2")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
