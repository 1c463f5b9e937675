#!/usr/bin/env bash
# Bad input, end to end: each case must exit non-zero (2 for errors mecsim detects), print ONE
# message on stderr that names the file, element or option at fault, print nothing on stdout, and
# leave no trace file (neither the final name nor its .tmp.* temporary). Malformed XML is caught by
# SimGrid's parser; mecsim catches its exception (src/actors/load_shim.cpp) and reports its "Parse error at FILE:LINE ..."
# and "Exiting now.": for those the test checks the exit, the file and line, and the trace.
# Usage: test_bad_input.sh MECSIM SRCDIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ulimit -c 0 # SimGrid's parse errors abort(): no core files
plat=$src/platforms/small_cell.xml
dep=$src/deployments/small_cell.xml
pass=0 fail=0

source "$(dirname "$0")/lib_cases.sh"

in=$tmp/inputs
mkdir -p "$in"
# Malformed XML: a <zone> never closed (seen at </platform>); an <actor> never closed.
grep -v '</zone>' "$plat" > "$in/unclosed_platform.xml"
endline=$(grep -n '</platform>' "$in/unclosed_platform.xml" | cut -d: -f1)
sed 's|<actor host="md-4" function="mobile_device"/>|<actor host="md-4" function="mobile_device">|' "$dep" \
  > "$in/unclosed_deployment.xml"
dline=$(grep -n '</platform>' "$in/unclosed_deployment.xml" | cut -d: -f1)
# MD properties: empty value, no value attribute (the DTD requires one), negative, not a number.
sed 's|<prop id="distance" value="35"/>|<prop id="distance" value=""/>|' "$plat" > "$in/empty_distance.xml"
sed 's|<prop id="distance" value="35"/>|<prop id="distance"/>|' "$plat" > "$in/no_value_attr.xml"
vline=$(grep -n '<prop id="distance"/>' "$in/no_value_attr.xml" | cut -d: -f1)
sed 's|<prop id="distance" value="50"/>|<prop id="distance" value="-5"/>|' "$plat" > "$in/negative_distance.xml"
sed 's|<host id="md-3" speed="450Mf">|<host id="md-3" speed="450Mf"><prop id="tx_power" value="0.2W"/>|' "$plat" \
  > "$in/bad_tx_power.xml"
# An MD without its radio route.
grep -v 'route src="md-2" dst="md-2"' "$plat" > "$in/no_radio.xml"
# a control character (file separator, 0x1c) in a unit, which SimGrid's parse error quotes: one line
sed 's|<link id="radio-4" bandwidth="1MBps"|<link id="radio-4" bandwidth="1M\x1cBps"|' "$plat" > "$in/control_char.xml"
# an OFDMA radio link declared as a Wi-Fi link (SimGrid crashed on its first transfer: fuzzer, seed 11)
sed 's|<link id="radio-4" bandwidth="1MBps" latency="0"/>|<link id="radio-4" bandwidth="1MBps" latency="0" sharing_policy="WIFI"/>|' \
  "$plat" > "$in/wifi_radio.xml"
# Deployment: an unknown base_station knob (typo), an unknown mobile_device property, a bad server id.
sed 's|<prop id="bandwidth" value="20e6"/>|<prop id="bandwith" value="20e6"/>|' "$dep" > "$in/unknown_knob.xml"
sed 's|<actor host="md-1" function="mobile_device"/>|<actor host="md-1" function="mobile_device"><prop id="distanse" value="3"/></actor>|' \
  "$dep" > "$in/unknown_md_prop.xml"
sed 's|<prop id="id" value="1"/>|<prop id="id" value="7"/>|' "$dep" > "$in/bad_server_id.xml"
touch "$in/a_file"

case_ malformed_platform_xml 2 one "Parse error at $in/unclosed_platform.xml:$endline" -- \
  "$in/unclosed_platform.xml" "$dep"
case_ malformed_deployment_xml 2 one "Parse error at $in/unclosed_deployment.xml:$dline" -- \
  "$plat" "$in/unclosed_deployment.xml"
case_ md_prop_without_value_attribute 2 one "Parse error at $in/no_value_attr.xml:$vline" \
  "Required attribute \`value' not set for \`prop' element" -- "$in/no_value_attr.xml" "$dep"
case_ md_distance_empty 2 one "mecsim: platform $in/empty_distance.xml: host 'md-1': property 'distance' = ''" \
  "expected a positive number (m)" -- "$in/empty_distance.xml" "$dep"
case_ md_distance_negative 2 one "mecsim: platform $in/negative_distance.xml: host 'md-2': property 'distance' = '-5'" \
  "expected a positive number (m)" -- "$in/negative_distance.xml" "$dep"
case_ md_tx_power_with_unit 2 one "host 'md-3': property 'tx_power' = '0.2W'" "(W)" -- "$in/bad_tx_power.xml" "$dep"
case_ md_without_radio_link 2 one "mecsim: platform $in/no_radio.xml: host 'md-2' is a mobile device but has no radio link" \
  -- "$in/no_radio.xml" "$dep"
case_ control_character_in_platform 2 one "Parse error at $in/control_char.xml" "unknown unit: M?Bps" -- \
  "$in/control_char.xml" "$dep"
case_ ofdma_radio_link_is_wifi 2 one "mecsim: platform $in/wifi_radio.xml: radio link 'radio-4' of mobile device 4" \
  "cell=ofdma needs one wired link per device" -- "$in/wifi_radio.xml" "$dep"
case_ unknown_base_station_knob 2 one \
  "mecsim: deployment $in/unknown_knob.xml: actor 'base_station': <prop id=\"bandwith\">: unknown knob 'bandwith'" \
  "did you mean 'bandwidth'?" -- "$plat" "$in/unknown_knob.xml"
case_ unknown_mobile_device_property 2 one "deployment $in/unknown_md_prop.xml: actor 'mobile_device' on host 'md-1'" \
  "unknown property 'distanse'" -- "$plat" "$in/unknown_md_prop.xml"
case_ edge_server_id_out_of_range 2 one "deployment $in/bad_server_id.xml: actor 'edge_server' on host 'es-1'" \
  "property 'id' = '7': expected 1..1" -- "$plat" "$in/bad_server_id.xml"
# An unknown policy: the message lists every valid one (those --list-policies prints).
policies=()
while read -r name _; do policies+=("$name"); done < <("$bin" --list-policies)
[ ${#policies[@]} -ge 3 ] || { fail=$((fail + 1)); echo "FAIL --list-policies listed ${#policies[@]} policies"; }
case_ unknown_policy 2 one "mecsim: unknown policy 'no-such-policy'; valid policies:" "${policies[@]}" -- \
  "$plat" "$dep" --policy no-such-policy
case_ unknown_long_option 2 one "mecsim: unknown option '--frobnicate'" "--list-knobs" -- "$plat" "$dep" --frobnicate
# --trace-attr KEY=VALUE (root string attributes of the trace, e.g. a sweep's id): bad keys and values
case_ trace_attr_without_value 2 one "mecsim: option '--trace-attr' needs KEY=VALUE" -- "$plat" "$dep" --trace-attr
case_ trace_attr_no_equals 2 one "mecsim: option '--trace-attr': expected KEY=VALUE" -- "$plat" "$dep" --trace-attr sweep
case_ trace_attr_clashes 2 one "mecsim: option '--trace-attr': 'seed' is an attribute mecsim writes itself" -- \
  "$plat" "$dep" --trace-attr seed=3
case_ trace_attr_clashes_cfg 2 one "'cfg.rate' is an attribute mecsim writes itself" -- "$plat" "$dep" --trace-attr=cfg.rate=1
case_ trace_attr_key_not_printable 2 one "mecsim: option '--trace-attr': character 3 of the key is not one of" -- \
  "$plat" "$dep" --trace-attr "ab$(printf '\x1b')c=1"
case_ trace_attr_key_empty 2 one "the key must have 1 to 64 characters" -- "$plat" "$dep" --trace-attr =1
case_ trace_attr_key_too_long 2 one "the key must have 1 to 64 characters" -- "$plat" "$dep" --trace-attr "$(printf 'k%.0s' $(seq 65))=1"
case_ trace_attr_value_control_char 2 one "the value of 'note' has a control character (byte 0x0a at 4)" -- \
  "$plat" "$dep" --trace-attr "note=abc
def"
case_ trace_attr_twice 2 one "mecsim: option '--trace-attr': key 'sweep_id' given twice" -- \
  "$plat" "$dep" --trace-attr sweep_id=a --trace-attr sweep_id=b
case_ unknown_short_option 2 one "mecsim: unknown option '-x' (see --help)" -- "$plat" "$dep" -x
case_ option_without_value 2 one "mecsim: option '--set' needs KEY=VALUE" -- "$plat" "$dep" --set
case_ knob_not_a_number 2 one "mecsim: command line: knob 'rate': expected a number in 1/s, got 'fast'" -- \
  "$plat" "$dep" --rate fast
case_ negative_distribution 2 one "knob 'task_bits': the distribution can produce negative values" -- \
  "$plat" "$dep" --task_bits uniform:-1:3
case_ unwritable_trace_path 2 one "mecsim: cannot create trace '/nonexistent/dir/t.h5" "No such file or directory" -- \
  "$plat" "$dep" --trace /nonexistent/dir/t.h5
case_ trace_under_a_file 2 one "cannot create trace '$in/a_file/t.h5" "Not a directory" -- \
  "$plat" "$dep" --trace "$in/a_file/t.h5"
case_ missing_platform_file 2 one "mecsim: cannot read platform file '$in/none.xml'" -- "$in/none.xml" "$dep"
case_ missing_deployment_file 2 one "mecsim: cannot read deployment file '$in/none.xml'" -- "$plat" "$in/none.xml"
case_ no_arguments 2 any "Usage: mecsim PLATFORM.xml DEPLOYMENT.xml" --
# A run that fails after the trace was opened (more tasks in flight than max_in_flight allows): exit
# 1, the cause and the simulated time on stderr, and no trace: the temporary file is removed.
case_ run_failure_leaves_no_trace 1 one "mecsim: simulation failed at simulated time" "max_in_flight" \
  "no trace was written" -- "$plat" "$dep" --max_in_flight 2

# The same failure with a trace of that name from an earlier run: the old file is kept as it was
# (a trace replaces the final name only when a run succeeds).
mkdir -p "$tmp/keep"
echo "an earlier trace" > "$tmp/keep/t.h5"
"$bin" "$plat" "$dep" --max_in_flight 2 --trace "$tmp/keep/t.h5" > /dev/null 2>&1
rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$tmp/keep/t.h5")" = "an earlier trace" ] && [ "$(ls -a "$tmp/keep" | grep -c '^t\.h5')" -eq 1 ]; then
  pass=$((pass + 1))
  echo "PASS failed run keeps an existing trace of the same name untouched, no temporary left"
else
  fail=$((fail + 1))
  echo "FAIL failed run over an existing trace: exit $rc, directory holds: $(ls -a "$tmp/keep" | tr '\n' ' ')"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
