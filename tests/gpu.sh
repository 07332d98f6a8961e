#!/usr/bin/env bash
# The GPU tests and the GPU benchmark, for a machine with a CUDA device (CI has none: there
# the same tests skip). Builds with CUDA=1, runs the cuda_* lines of tests/tests.list (CUDA
# kernels, whole forward, cuSPARSE factor, generation + CG: each against the CPU reference),
# then the apply benchmark (tests/bin/t_cuda -test bench), kept in tests/out/cuda_bench.log.
# Exit: 0 all passed, 1 a failure, 77 no device or no CUDA build (nothing was run on a GPU).
set -u
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
NVCC=${CUDA_HOME:-/usr/local/cuda}/bin/nvcc
[ -x "$NVCC" ] || { echo "tests/gpu.sh: no CUDA toolkit ($NVCC): cannot build with CUDA=1"; exit 77; }
make CUDA=1 -j"$(nproc)" all > /dev/null || { echo "tests/gpu.sh: make CUDA=1 all failed"; exit 1; }
command -v nvidia-smi > /dev/null && nvidia-smi -L
mkdir -p tests/out
tests/bin/t_cuda -test layers > tests/out/gpu_probe.log 2>&1
if [ $? -eq 77 ]; then
  echo "tests/gpu.sh: $(tail -n 1 tests/out/gpu_probe.log): no GPU test was run"
  exit 77
fi
bash tests/run.sh '^cuda_'
rc=$?
echo "---- apply benchmark (poisson.bin on 5-point grids: PCSetUp time, PCApply time per call, CPU vs CUDA)"
tests/bin/t_cuda -test bench -model models/poisson.bin -grids 128,512,1024 -its 200 | tee tests/out/cuda_bench.log
brc=${PIPESTATUS[0]}
[ $rc -eq 0 ] && [ $brc -eq 0 ] || exit 1
