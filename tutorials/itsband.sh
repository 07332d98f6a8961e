#!/usr/bin/env bash
# A TEST-block filter (tutorials/check.sh): "in N iterations" becomes "in LO-HI iterations" when
# LO <= N <= HI, and stays N otherwise (so the diff shows it). For CG runs whose iteration count
# moves with rounding: Jacobi on the biharmonic family (kappa ~ 1e5-1e6) takes 560 or 561
# iterations at n 445 and 1368-1393 at n 1029 on one machine, depending only on how the heap
# happens to align the vectors for OpenBLAS's ddot (even stdin being /dev/null changes it).
# Usage: itsband.sh LO HI < output
lo=$1 hi=$2
awk -v lo="$lo" -v hi="$hi" '{
  for (i = 2; i < NF; i++)
    if ($(i - 1) == "in" && $(i + 1) ~ /^iterations/ && $i ~ /^[0-9]+$/ && $i + 0 >= lo + 0 && $i + 0 <= hi + 0) $i = lo "-" hi
  print }'
