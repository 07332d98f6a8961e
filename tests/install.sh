#!/usr/bin/env bash
# make install into a temporary prefix, then tests/install/ex_pkgconfig.c built against it with
# nothing but pkg-config (PKG_CONFIG_PATH: the prefix and PETSc's pkgconfig directory; the compiler
# is PETSc.pc's ccompiler). Fails unless
#   - the libraries, headers, models and pcgcvae.pc are installed (libgcvae_cuda.so too when built);
#   - no installed library (nor the program) has an RPATH/RUNPATH into this build tree;
#   - every installed header compiles on its own with pkg-config --cflags;
#   - the program, run after the prefix is moved elsewhere (so only $ORIGIN can find the libraries,
#     and the build tree is on no path), loads libgcvae.so and libpcgcvae.so (and the CUDA backend,
#     when built) from the moved prefix and nothing from the build tree, and CG with PCGCVAE and the
#     installed models/poisson.bin converges in < 0.8 x Jacobi's iterations (1 and 2 processes);
#   - tutorials/ex4.py (petsc4py) passes with the installed plugin and model, loading nothing
#     from the build tree;
#   - make install DESTDIR=... writes under DESTDIR with the .pc naming PREFIX, and make uninstall
#     removes every file it installed.
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
MPIEXEC=${MPIEXEC:-mpiexec --allow-run-as-root --oversubscribe}
PETSC_DIR=${PETSC_DIR:-/usr/lib/petsc}
tmp=$(mktemp -d /tmp/pcgcvae-install.XXXXXX); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# install what this tree has built: with CUDA=1 (the default when nvcc is there) make install
# would otherwise build the backend of a CPU-only tree
cuda=0; [ -f lib/libgcvae_cuda.so ] && cuda=1
prefix=$tmp/prefix
make -s --no-print-directory install CUDA=$cuda PREFIX="$prefix" > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "make install PREFIX=$prefix"; }
tail -1 "$tmp/install.log"

libs="libgcvae.so libpcgcvae.so"; [ $cuda = 1 ] && libs="$libs libgcvae_cuda.so"
for f in $(printf 'lib/%s ' $libs) include/pcgcvae.h include/gcvae.h lib/pkgconfig/pcgcvae.pc share/pcgcvae/models/README.md $(cd models && printf 'share/pcgcvae/models/%s ' *.bin); do
  [ -f "$prefix/$f" ] || fail "make install did not install $f"
done
[ $cuda = 1 ] || [ ! -e "$prefix/lib/libgcvae_cuda.so" ] || fail "lib/libgcvae_cuda.so installed from a build without it"
echo "installed: $(cd "$prefix" && find . -type f | wc -l) files"

for so in "$prefix"/lib/*.so; do
  dyn=$(readelf -d "$so") || fail "readelf -d $so"
  echo "$dyn" | grep -E 'R(UN)?PATH' | grep -F "$TOP" && fail "$(basename "$so") has an rpath into the build tree $TOP"
  rp=$(echo "$dyn" | sed -n 's/.*R\(UN\)\{0,1\}PATH.*\[\(.*\)\]/\2/p')
  echo "$(basename "$so"): rpath ${rp:-(none)}"
done

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$PETSC_DIR/lib/pkgconfig"
pkg-config --exists --print-errors pcgcvae || fail "pkg-config does not find pcgcvae (and PETSc) on PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
CC=$(pkg-config --variable=ccompiler PETSc); [ -n "$CC" ] || fail "PETSc.pc has no ccompiler"
flags=$(pkg-config --cflags --libs pcgcvae)
echo "pkg-config --cflags --libs pcgcvae: $flags"
echo "$flags" | grep -qF "$TOP" && fail "pkg-config points into the build tree"
[ "$(pkg-config --variable=plugin pcgcvae)" = "$prefix/lib/libpcgcvae.so" ] || fail "pcgcvae.pc: plugin is not $prefix/lib/libpcgcvae.so"
[ -f "$(pkg-config --variable=modeldir pcgcvae)/poisson.bin" ] || fail "pcgcvae.pc: modeldir has no poisson.bin"

for h in "$prefix"/include/*.h; do
  echo "#include <$(basename "$h")>" | $CC -fsyntax-only -x c - $(pkg-config --cflags pcgcvae) || fail "installed header $(basename "$h") does not compile on its own"
done
echo "headers: $(cd "$prefix/include" && echo *.h) each compile alone"

cp tests/install/ex_pkgconfig.c "$tmp/"
(cd "$tmp" && $CC -O2 -Wall -o ex_pkgconfig ex_pkgconfig.c $flags) || fail "could not build a program with pkg-config --cflags --libs pcgcvae"
readelf -d "$tmp/ex_pkgconfig" | grep -E 'R(UN)?PATH' | grep -F "$TOP" && fail "the program has an rpath into the build tree"

# move the installation: nothing may depend on where it was installed, nor on the build tree
mv "$prefix" "$tmp/moved"; prefix=$tmp/moved
cd "$tmp"
export LD_LIBRARY_PATH="$prefix/lib"
LD_DEBUG=libs LD_DEBUG_OUTPUT="$tmp/ld" ./ex_pkgconfig -model "$prefix/share/pcgcvae/models/poisson.bin" -cuda_backend > "$tmp/np1.txt" 2>&1; rc=$?
cat "$tmp/np1.txt"
[ $rc -eq 0 ] || fail "the program (1 process) exited with $rc"
grep -q '^PASS' "$tmp/np1.txt" || fail "no PASS from the program"
loaded=$(cat "$tmp"/ld.* | sed -n 's/.*calling init: //p' | sort -u)
echo "$loaded" | grep -F "$TOP/" && fail "objects loaded from the build tree (above)"
for l in $libs; do
  echo "$loaded" | grep -qx "$prefix/lib/$l" || fail "$l was not loaded from the moved prefix $prefix/lib"
done
echo "loaded from the moved prefix: $libs; nothing from $TOP"
if [ $cuda = 1 ]; then grep -q 'cuda backend: compiled 1' "$tmp/np1.txt" || fail "the installed libgcvae.so did not find the CUDA backend beside it"
else grep -q 'cuda backend: compiled 0,.*built without CUDA=1' "$tmp/np1.txt" || fail "without the backend, GCVAECudaAvailable should say 'built without CUDA=1'"; fi

$MPIEXEC -x LD_LIBRARY_PATH -n 2 ./ex_pkgconfig -model "$prefix/share/pcgcvae/models/poisson.bin" < /dev/null > "$tmp/np2.txt" 2>&1; rc=$?
sed 's/^/np 2: /' "$tmp/np2.txt"
[ $rc -eq 0 ] && grep -q '^PASS' "$tmp/np2.txt" || fail "the program on 2 processes (rc $rc)"

# petsc4py with the installed plugin (-dll_append by path, as tutorials/ex4.py does)
py=/usr/bin/python3
if $py -c 'import petsc4py' 2> /dev/null; then
  LD_DEBUG=libs LD_DEBUG_OUTPUT="$tmp/ldpy" $py "$TOP/tutorials/ex4.py" -m 32 -plugin "$prefix/lib/libpcgcvae.so" \
    -pc_gcvae_model "$prefix/share/pcgcvae/models/poisson.bin" > "$tmp/py.txt" 2>&1; rc=$?
  sed 's/^/petsc4py: /' "$tmp/py.txt"
  [ $rc -eq 0 ] || fail "tutorials/ex4.py with the installed plugin (rc $rc)"
  cat "$tmp"/ldpy.* | sed -n 's/.*calling init: //p' | grep -F "$TOP/" && fail "petsc4py: objects loaded from the build tree (above)"
  cat "$tmp"/ldpy.* | grep -q "calling init: $prefix/lib/libpcgcvae.so" || fail "petsc4py: libpcgcvae.so not loaded from $prefix/lib"
else
  echo "petsc4py part not run: $py has no petsc4py (Debian: python3-petsc4py, make deps)"
fi
cd "$TOP"

# DESTDIR (packagers): files under DESTDIR, the .pc names PREFIX; uninstall removes them all
stage=$tmp/stage
make -s --no-print-directory install CUDA=$cuda PREFIX=/opt/pcgcvae DESTDIR="$stage" > /dev/null 2>&1 || fail "make install DESTDIR=$stage PREFIX=/opt/pcgcvae"
[ -f "$stage/opt/pcgcvae/lib/libpcgcvae.so" ] || fail "DESTDIR: no $stage/opt/pcgcvae/lib/libpcgcvae.so"
grep -qx 'prefix=/opt/pcgcvae' "$stage/opt/pcgcvae/lib/pkgconfig/pcgcvae.pc" || fail "DESTDIR: pcgcvae.pc does not say prefix=/opt/pcgcvae"
n=$(find "$stage" -type f | wc -l)
make -s --no-print-directory uninstall CUDA=$cuda PREFIX=/opt/pcgcvae DESTDIR="$stage" > /dev/null 2>&1 || fail "make uninstall"
left=$(find "$stage" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "DESTDIR=$stage PREFIX=/opt/pcgcvae: $n files, pcgcvae.pc prefix=/opt/pcgcvae; make uninstall removed all"
echo PASS
