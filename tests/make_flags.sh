#!/usr/bin/env bash
# make CFLAGS=... and PCC_FLAGS=... reach the compile and link lines in PETSc's order:
# PCC_FLAGS, then the project's flags (-O3 -ffp-contract=off; -fno-trapping-math for src/nn),
# then the user's CFLAGS last (so make CFLAGS=-O1 wins over -O3). Dry run (make -n -B): builds nothing.
set -u
cd "$(dirname "$0")/.."
out=$(make -n -B --no-print-directory CFLAGS=-O1 PCC_FLAGS=-DPCC_MARK obj/src/fsai.o obj/src/nn/linear.o lib/libgcvae.so 2>&1) || { echo "$out"; exit 1; }
status=0
check() { # what regex line-selector
  local line; line=$(echo "$out" | grep -E -- "$3" | head -1)
  if echo "$line" | grep -Eq -- "$2"; then echo "ok   $1"; else echo "FAIL $1: $line"; status=1; fi
}
check "compile: PCC_FLAGS, then -O3 -ffp-contract=off, then the user's -O1" "-DPCC_MARK .* -O3 -ffp-contract=off .* -O1( |$)" "-c src/fsai.c"
check "src/nn: -fno-trapping-math kept, the user's -O1 after it" "-O3 -ffp-contract=off .*-fno-trapping-math.* -O1 " "-c src/nn/linear.c"
check "link: the user's CFLAGS on the link line too (PETSc's CLINKER)" " -O1 .*-shared -o lib/libgcvae.so" "-o lib/libgcvae.so"
[ $status -eq 0 ] && echo PASS
exit $status
