#!/usr/bin/env bash
# gcvae-datagen's output file under concurrency and kill -9:
#  - two runs with the same -o at the same time (different seeds) both succeed; one valid
#    dataset is left, byte-identical to one run's (last rename wins), and no temporaries.
#    GCVAE_TEST_HOLD (training/checkpoint.h) parks both before their rename until both
#    temporaries exist, so they overlap for sure;
#  - kill -9 (GCVAE_TEST_KILL=datagen_sample:K, a deterministic SIGKILL after sample K)
#    leaves no dataset but its temporary <o>.tmp.<host>.<pid> (SIGKILL cannot be caught);
#    the next run writing <o> removes it, says so, and writes the dataset;
#  - that clean-up removes only temporaries of dead processes of this host: a live
#    process's, another host's and the old pid-less <o>.tmp stay.
set -u
cd "$(dirname "$0")/.."
out=tests/out/datagen_files; rm -rf $out; mkdir -p $out
gen=bin/gcvae-datagen
M=meshes/square_102.msh
fails=0
fail() { echo "FAIL $*"; fails=$((fails+1)); }
host=$(hostname | sed 's/[^A-Za-z0-9._-]/_/g')
$gen -family poisson -mesh $M -samples 8 -seed 5 -o $out/ref5.h5 > /dev/null || fail "reference seed 5"
$gen -family poisson -mesh $M -samples 8 -seed 6 -o $out/ref6.h5 > /dev/null || fail "reference seed 6"
cmp -s $out/ref5.h5 $out/ref6.h5 && fail "seeds 5 and 6 gave identical files"

# concurrent writers of one path
o=$out/y.h5
GCVAE_TEST_HOLD=$out/go $gen -family poisson -mesh $M -samples 8 -seed 5 -o $o > $out/a.log 2>&1 & pa=$!
GCVAE_TEST_HOLD=$out/go $gen -family poisson -mesh $M -samples 8 -seed 6 -o $o > $out/b.log 2>&1 & pb=$!
for i in $(seq 1200); do [ "$(ls $o.tmp.* 2>/dev/null | wc -l)" -ge 2 ] && break; kill -0 $pa $pb 2>/dev/null || break; sleep 0.1; done
n=$(ls $o.tmp.* 2>/dev/null | wc -l)
[ $n -eq 2 ] && echo "ok   both runs write a temporary of their own at once" || fail "$n temporaries while both run, expected 2"
touch $out/go
wait $pa; ra=$?; wait $pb; rb=$?
[ $ra -eq 0 ] && [ $rb -eq 0 ] && echo "ok   both runs succeeded" || fail "exit codes $ra, $rb: $(grep -h -m1 'ERROR: [^-]' $out/a.log $out/b.log)"
left=$(ls $o.tmp* 2>/dev/null)
[ -z "$left" ] && echo "ok   no temporaries left" || fail "temporaries left: $left"
if cmp -s $o $out/ref5.h5; then who="seed 5"; elif cmp -s $o $out/ref6.h5; then who="seed 6"; else who=""; fi
[ -n "$who" ] && echo "ok   $o is one run's whole dataset ($who's)" || fail "$o is neither run's dataset"
tests/bin/t_dataset -data $o -image_checks 1 > $out/check.log 2>&1 && echo "ok   $o passes t_dataset" || fail "$o fails t_dataset: $(tail -2 $out/check.log)"

# kill -9 while writing
o=$out/k.h5
{ GCVAE_TEST_KILL=datagen_sample:3 $gen -family poisson -mesh $M -samples 8 -seed 5 -o $o > $out/kill.log 2>&1; rc=$?; } 2> /dev/null
tmps=$(ls $o.tmp.$host.* 2>/dev/null | wc -l)
[ $rc -eq 137 ] && [ ! -e $o ] && [ $tmps -eq 1 ] && echo "ok   kill -9 after sample 3 (exit $rc): no dataset, its temporary left ($(basename $(ls $o.tmp.*)))" || fail "kill -9: exit $rc, dataset $([ -e $o ] && echo present || echo absent), $tmps temporaries"
# temporaries the clean-up must keep: a live process's (this shell), another host's, the old name
touch $o.tmp.$host.$$ $o.tmp.otherhost.12345 $o.tmp
$gen -family poisson -mesh $M -samples 8 -seed 5 -o $o > $out/after.log 2>&1 || fail "the run after the kill: $(grep -m1 'ERROR: [^-]' $out/after.log)"
grep -q "datagen: removed $o.tmp.$host.[0-9]*, the temporary of process [0-9]* of this host, which no longer runs" $out/after.log && echo "ok   the next run removed the dead run's temporary: $(grep -m1 'removed' $out/after.log | sed 's/^datagen: //')" || fail "the next run did not report removing the stale temporary"
cmp -s $o $out/ref5.h5 && echo "ok   and wrote the dataset (identical to an uninterrupted run)" || fail "the dataset after the kill differs from the reference"
[ "$(ls $o.tmp* 2>/dev/null | sort | tr '\n' ' ')" = "$(printf '%s\n' $o.tmp $o.tmp.$host.$$ $o.tmp.otherhost.12345 | sort | tr '\n' ' ')" ] && echo "ok   a live process's, another host's and the old-style temporary were kept" || fail "kept temporaries: $(ls $o.tmp* 2>/dev/null)"
[ $fails -eq 0 ] && echo PASS || echo "FAIL ($fails)"
exit $fails
