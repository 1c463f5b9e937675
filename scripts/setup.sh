#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a first result:
# installs the dependencies, builds mecsim (Release, in build/), runs the
# default scenario (platforms/small_cell.xml) and says where the trace is.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
mkdir -p out
./build/mecsim platforms/small_cell.xml deployments/small_cell.xml --trace out/small_cell.h5
echo
echo "Next: summarize the trace:  /usr/bin/python3 analysis/mecsim_trace.py out/small_cell.h5"
echo "      compare policies:     analysis/run_policies.sh, then analysis/compare_policies.ipynb"
echo "      all options:          ./build/mecsim --help ; ./build/mecsim --list-knobs"
