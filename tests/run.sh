#!/usr/bin/env bash
# Test runner: runs every line of tests/tests.list ("name | command"), from the
# repository root, each under a time limit, output kept in tests/out/<name>.log.
# A command passes with exit 0, is skipped with exit 77, fails otherwise.
# The last line is "N passed, N failed" (", N skipped" when any were).
# Usage: bash tests/run.sh [name-filter-regex]
set -u
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none  # containers often forbid CMA
export MPIEXEC="mpiexec --allow-run-as-root --oversubscribe"
filter=${1:-.}
mkdir -p tests/out
pass=0; fail=0; skip=0; failed=()
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  name=$(echo "${line%%|*}" | xargs)
  cmd=${line#*|}
  [[ "$name" =~ $filter ]] || continue
  start=$(date +%s%N)
  timeout 900 bash -c "$cmd" > "tests/out/$name.log" 2>&1 < /dev/null  # mpiexec would eat the list
  rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 )); t="$((ms / 1000)).$(( (ms % 1000) / 100 ))"
  if [ $rc -eq 0 ]; then pass=$((pass+1)); echo "ok   $name (${t}s)"
  elif [ $rc -eq 77 ]; then skip=$((skip+1)); echo "skip $name: $(tail -n 1 tests/out/$name.log)"
  else fail=$((fail+1)); failed+=("$name"); echo "FAIL $name (rc $rc, ${t}s)"; tail -n 15 "tests/out/$name.log" | sed 's/^/     | /'
  fi
done < tests/tests.list
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
if [ $skip -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ $fail -eq 0 ]
