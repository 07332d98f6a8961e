#!/usr/bin/env bash
# Runs the /*TEST ... TEST*/ cases of a tutorial (PETSc's format: suffix, nsize, args, and
# filter: a shell command the output goes through before it is compared or written) and
# compares each output with tutorials/output/<ex>_<suffix>.out.
#   bash tutorials/check.sh tutorials/ex1 [suffix-regex]      check
#   bash tutorials/check.sh --generate tutorials/ex1 [regex]   (re)write the expected outputs
# Exit 0 when every case matches; the last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
gen=0; [ "${1:-}" = "--generate" ] && { gen=1; shift; }
ex=$1; filter=${2:-.}
name=$(basename "$ex")
mpiexec_cmd=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
pass=0; fail=0
run_case() { # suffix nsize args filter
  local suffix=$1 nsize=$2 args=$3 outfilter=$4 out=tutorials/output/${name}_$1.out got
  [[ "$suffix" =~ $filter ]] || return 0
  if [ "$nsize" -gt 1 ]; then got=$($mpiexec_cmd -n "$nsize" "$ex" $args 2>&1 < /dev/null); else got=$("$ex" $args 2>&1 < /dev/null); fi
  [ -n "$outfilter" ] && got=$(printf '%s\n' "$got" | bash -c "$outfilter")
  if [ $gen -eq 1 ]; then printf '%s\n' "$got" > "$out"; echo "wrote $out"; pass=$((pass+1)); return; fi
  if [ -f "$out" ] && [ "$got" = "$(cat "$out")" ]; then echo "ok   ${name}_$suffix"; pass=$((pass+1))
  else echo "FAIL ${name}_$suffix ($ex $args, nsize $nsize)"; diff <(printf '%s\n' "$got") "$out" | head -20; fail=$((fail+1)); fi
}
suffix=""; nsize=1; args=""; outfilter=""
flush() { [ -n "$suffix" ] && run_case "$suffix" "$nsize" "$args" "$outfilter"; suffix=""; nsize=1; args=""; outfilter=""; }
while IFS= read -r line; do
  case "$line" in
    *"test:"*) flush ;;
    *"suffix:"*) suffix=$(echo "${line#*suffix:}" | xargs) ;;
    *"nsize:"*) nsize=$(echo "${line#*nsize:}" | xargs) ;;
    *"args:"*) args=$(echo "${line#*args:}" | xargs) ;;
    *"filter:"*) outfilter=$(echo "${line#*filter:}" | sed 's/^ *//') ;; # kept as written (quotes)
  esac
done < <(sed -n '/\/\*TEST/,/TEST\*\//p' "$ex.c")
flush
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
