#!/usr/bin/env bash
# Installs mecsim's build and test dependencies from Debian 12 packages.
# Run as root (or with sudo). Nothing else is downloaded, at build or run time.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  build-essential cmake pkg-config \
  libsimgrid-dev libgsl-dev libhdf5-dev hdf5-tools libopenblas-dev \
  libzmq3-dev libjansson-dev python3-zmq python3-torch \
  python3 python3-h5py python3-pandas python3-matplotlib \
  jupyter-nbconvert python3-nbformat python3-ipykernel \
  valgrind \
  parallel munge slurmctld slurmd slurm-client
# parallel: the sweep engine of tools/mecsim-sweep; munge, slurmctld, slurmd, slurm-client: the
# single-node Slurm that test/e2e/test_sweep_slurm.sh starts for itself (docs/sweeps.md).
# libzmq3-dev, libjansson-dev, python3-zmq: policy `external` and its Python agents (docs/external.md).
# python3-torch (1.13): the example PyTorch agent of docs/external.md (python/examples/,
# scripts/train_external_agent.sh, test/e2e/test_external_agent_notebook.sh).
