#!/usr/bin/env bash
# make deps calls apt-get only for Debian's PETSc (PETSC_DIR /usr/lib/petsc, the default, or under
# /usr/lib/petscdir) and only when a package is missing. apt-get and sudo are replaced by stubs
# that log their arguments, so nothing is installed; one package name is made up, so it is missing.
set -u
cd "$(dirname "$0")/.."
stub=$(mktemp -d); trap 'rm -rf "$stub"' EXIT
for c in apt-get sudo; do
  printf '#!/bin/sh\necho "%s $*" >> %s/calls\n[ "%s" = sudo ] && exec "$@"\nexit 0\n' $c "$stub" $c > "$stub/$c"; chmod +x "$stub/$c"
done
fake=pcgcvae-no-such-package
status=0
check() { # what PETSC_DIR DEB_PKGS expect(apt|none)
  local what=$1 dir=$2 pkgs=$3 expect=$4 out calls
  rm -f "$stub/calls"
  out=$(PATH="$stub:$PATH" make -s --no-print-directory deps PETSC_DIR="$dir" DEB_PKGS="$pkgs" 2>&1); rc=$?
  calls=$(grep -c "^apt-get install.* $fake" "$stub/calls" 2>/dev/null); calls=${calls:-0}
  ok=0
  if [ "$expect" = apt ]; then [ "$calls" = 1 ] && ok=1; else [ ! -f "$stub/calls" ] && ok=1; fi
  if [ $rc -eq 0 ] && [ $ok = 1 ]; then
    echo "ok   $what: $(echo "$out" | head -1)"
  else
    echo "FAIL $what (expected apt-get: $expect; rc $rc, apt-get install calls $calls)"; echo "$out" | sed 's/^/     | /'; status=1
  fi
}
check "Debian PETSc (default PETSC_DIR), a package missing: apt-get install" /usr/lib/petsc "make $fake" apt
check "Debian PETSc (/usr/lib/petscdir/...), a package missing: apt-get install" /usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-real "make $fake" apt
check "own PETSc (PETSC_DIR=/opt/petsc), a package missing: no apt-get" /opt/petsc "make $fake" none
check "Debian PETSc, nothing missing: no apt-get" /usr/lib/petsc "make" none
out=$(PATH="$stub:$PATH" make -s --no-print-directory deps PETSC_DIR=/opt/petsc DEB_PKGS="make $fake" 2>&1)
echo "$out" | grep -q "use:.* $fake" || { echo "FAIL own PETSc: deps does not name the missing package"; echo "$out"; status=1; }
[ $status -eq 0 ] && echo PASS
exit $status
