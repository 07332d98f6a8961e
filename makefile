# PCGCVAE: learned sparse approximate inverse preconditioners for PETSc.
#   make deps   install the Debian packages the project needs (when missing; Debian's PETSc only)
#   make        build lib/libgcvae.so, lib/libpcgcvae.so and the tools in bin/
#   make run    deps + build + the main job on the shipped data
#   make test   deps + build + the test suite (last line: "N passed, N failed")
#   make bench  deps + build + setup/apply cost against FSAI, ParaSails, ICC(0) at n ~ 1e3..1e6,
#               then make bench-tts
#   make bench-mpi  distributed generation on 1 and 2 processes, and p = 2 ... 1024 simulated
#   make bench-tts  time to solution (setup + CG solve) of every PC on ex1 (Poisson, n ~ 1e3..1e5)
#               and ex2 (biharmonic, n ~ 1e3..7e4): tutorials/results/tts.md and tts.png
#   make CUDA=1 also the CUDA backend (src/cuda/cuda.mk: nvcc, cuBLAS, cuSPARSE); tests/gpu.sh on a GPU
#   make meshes regenerate meshes/*.msh from meshes/unit_square.geo with gmsh
#   make meshes-train  graded and L-shaped training meshes (meshes/graded_square.geo, l_shape.geo)
#   make models        every shipped model: models-multi, then the single-size cnn and edge-state models
#   make models-multi  models/poisson.bin and biharmonic.bin: one model per family on several sizes and meshes
#   make study  the paper's Figures 3-5: tables and plots -> tutorials/results/ (about an hour;
#               STUDY_QUICK=1: a smoke version in data/study_quick/)
#   make install PREFIX=/usr/local [DESTDIR=]  libraries, headers, models, lib/pkgconfig/pcgcvae.pc
#   make uninstall PREFIX=...                  removes them
#   make CFLAGS=...  appended to the compile and link lines (PETSc's way), so it can override -O3
PETSC_DIR ?= /usr/lib/petsc
PETSC_ARCH ?=
# '-include' so that 'make deps' works on a machine without PETSc yet.
-include $(PETSC_DIR)/lib/petsc/conf/variables

TOP      := $(abspath .)
OBJDIR   := obj
LIBDIR   := lib
BINDIR   := bin
# -ffp-contract=off: no FMA contraction anywhere, so the AVX-512/AVX2 clones of the layers
# (src/nn/nnimpl.h) round like the SSE2 code and results do not depend on the CPU.
CFLAGS_GCVAE := -std=gnu11 -O3 -ffp-contract=off -g -fPIC -Wall -Wextra -Wno-unused-parameter -Iinclude $(PETSC_CC_INCLUDES)
# Compile and link lines in PETSc's order (conf/variables: PETSC_COMPILE_SINGLE, CLINKER):
#   PCC_FLAGS   PETSc's configure-time flags (e.g. -fPIC, -march, sanitizers); make PCC_FLAGS=...
#               replaces them, as in PETSc
#   CFLAGS_GCVAE the project's flags above, after PETSc's: -O3 overrides PETSc's -O level
#   CFLAGS, CPPFLAGS  the user's, last, so they win: make CFLAGS=-O1 builds at -O1
# (src/*/*.mk compile and link with the same variables.)
GCVAE_CC   = $(PCC) $(PCC_FLAGS) $(CFLAGS_GCVAE) $(CFLAGS) $(CPPFLAGS)
GCVAE_LINK = $(PCC_LINKER) $(PCC_LINKER_FLAGS) $(CFLAGS) $(LDFLAGS)
# The programs (tools, tests, tutorials) find lib/*.so in this build tree. The libraries find each
# other with $ORIGIN (the directory they are in), so they work from 'make install' too.
LDRPATH  := -Wl,-rpath,$(TOP)/$(LIBDIR)
LIBRPATH := -Wl,-rpath,'$$ORIGIN'
LIBS_GCVAE := $(PETSC_LIB) -lz -lm

# The core library: everything under src/ (network, loss, model I/O, dataset I/O, FSAI).
CORE_SRC := $(wildcard src/*.c src/nn/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(OBJDIR)/%.o)
# Training support linked into the tools and tests (family assembly on DMPlex).
TRAIN_SRC := $(filter-out training/datagen.c training/compare.c training/train.c,$(wildcard training/*.c))
TRAIN_OBJ := $(TRAIN_SRC:%.c=$(OBJDIR)/%.o)
# One tool per main program in training/: gcvae-datagen, gcvae-compare, gcvae-train.
TOOLS    := $(patsubst training/%.c,$(BINDIR)/gcvae-%,$(wildcard training/datagen.c training/compare.c training/train.c))
# Tutorials (PETSc style): tutorials/exN.c -> tutorials/exN
TUTORIALS := $(patsubst %.c,%,$(wildcard tutorials/ex*.c))
# The benchmark program of 'make bench' (tutorials/bench.sh drives it)
BENCH_BIN := tutorials/bench tutorials/halo
# Every tests/*.c is one test program in tests/bin/.
TEST_SRC := $(wildcard tests/*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=tests/bin/%)
HEADERS  := $(wildcard include/*.h src/*.h src/nn/*.h training/*.h petsc-plugin/*.h)
# Sub-makefiles (e.g. src/nn/nn.mk: the double-precision gradient-check build)
# may add programs to TEST_BIN and their own rules.
include $(wildcard src/*/*.mk)

# h:N pairs; square_N.msh has N interior vertices (the P1 n). P2 (biharmonic) n:
# square_24 113, square_66 293, square_102 445, square_243 1029.
MESH_H   := 0.2:24 0.14:66 0.1:102 0.067:243 0.05:433 0.034:1005 0.025:1781

# Training meshes of other shapes, geo:h:N (N interior vertices, the P1 n; P2 n in the comment):
# graded_N.msh (unit square graded towards (0,0), meshes/graded_square.geo): 71 (P2 319),
# 132 (575), 281 (1193), 562 (2343), 1163 (4789); lshape_N.msh (meshes/l_shape.geo): 75 (P2 337),
# 188 (811), 326 (1381), 710 (2955), 1329 (5473). graded_71 and lshape_75 are committed (tests).
MESH_TRAIN := graded_square:0.14:graded_71 graded_square:0.1:graded_132 graded_square:0.07:graded_281 \
              graded_square:0.05:graded_562 graded_square:0.035:graded_1163 \
              l_shape:0.1:lshape_75 l_shape:0.07:lshape_188 l_shape:0.05:lshape_326 \
              l_shape:0.035:lshape_710 l_shape:0.025:lshape_1329

# keep objects make would otherwise treat as intermediate (and rebuild every time)
.SECONDARY:

.PHONY: all deps run test models models-multi meshes meshes-train study clean check-petsc bench bench-tts bench-mpi install uninstall
all: check-petsc $(LIBDIR)/libgcvae.so $(LIBDIR)/libpcgcvae.so $(TOOLS) $(TEST_BIN) $(TUTORIALS) $(BENCH_BIN)

check-petsc:
	@test -f $(PETSC_DIR)/lib/petsc/conf/variables || { echo "PETSc not found at PETSC_DIR=$(PETSC_DIR): run 'make deps' (Debian petsc-dev) or set PETSC_DIR"; exit 1; }

# The layers only: -fno-trapping-math lets GCC vectorize their clamps and LeakyReLUs
# (if-conversion); they have no conditional divisions, so nothing is speculated that could
# trap under PETSc's -fp_trap. The rest of the code keeps the default FP semantics.
$(OBJDIR)/src/nn/%.o $(OBJDIR)/dbl/src/nn/%.o: CFLAGS_GCVAE += -fno-trapping-math

$(OBJDIR)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(GCVAE_CC) -c $< -o $@

$(LIBDIR)/libgcvae.so: $(CORE_OBJ)
	@mkdir -p $(LIBDIR)
	$(GCVAE_LINK) -shared -o $@ $^ $(LIBS_GCVAE)

# The PC plugin: any PETSc program loads it with -dll_append lib/libpcgcvae.so
PLUGIN_OBJ := $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard petsc-plugin/*.c))
$(LIBDIR)/libpcgcvae.so: $(PLUGIN_OBJ) $(LIBDIR)/libgcvae.so
	$(GCVAE_LINK) -shared -o $@ $(PLUGIN_OBJ) -L$(LIBDIR) -lgcvae $(LIBRPATH) $(LIBS_GCVAE)

$(LIBDIR)/libgcvaetrain.a: $(TRAIN_OBJ)
	@mkdir -p $(LIBDIR)
	rm -f $@ && ar rcs $@ $^

$(BINDIR)/gcvae-%: $(OBJDIR)/training/%.o $(LIBDIR)/libgcvaetrain.a $(LIBDIR)/libgcvae.so $(LIBDIR)/libpcgcvae.so
	@mkdir -p $(BINDIR)
	$(GCVAE_LINK) -o $@ $< $(LIBDIR)/libgcvaetrain.a -L$(LIBDIR) -lpcgcvae -lgcvae $(LDRPATH) $(LIBS_GCVAE)

tutorials/ex%: $(OBJDIR)/tutorials/ex%.o $(LIBDIR)/libgcvaetrain.a $(LIBDIR)/libgcvae.so
	$(GCVAE_LINK) -o $@ $< $(LIBDIR)/libgcvaetrain.a -L$(LIBDIR) -lgcvae $(LDRPATH) $(LIBS_GCVAE)

tutorials/bench tutorials/halo: tutorials/%: $(OBJDIR)/tutorials/%.o $(LIBDIR)/libgcvaetrain.a $(LIBDIR)/libgcvae.so $(LIBDIR)/libpcgcvae.so
	$(GCVAE_LINK) -o $@ $< $(LIBDIR)/libgcvaetrain.a -L$(LIBDIR) -lpcgcvae -lgcvae $(LDRPATH) $(LIBS_GCVAE)

tests/bin/%: $(OBJDIR)/tests/%.o $(LIBDIR)/libgcvaetrain.a $(LIBDIR)/libgcvae.so $(LIBDIR)/libpcgcvae.so
	@mkdir -p tests/bin
	$(GCVAE_LINK) -o $@ $< $(LIBDIR)/libgcvaetrain.a -L$(LIBDIR) -lpcgcvae -lgcvae $(LDRPATH) $(LIBS_GCVAE)

# Debian packages; installed only when one is missing (apt needs root), and only for Debian's
# PETSc: PETSC_DIR /usr/lib/petsc (the default, which may not exist yet on a fresh machine) or
# under /usr/lib/petscdir. With another PETSC_DIR, deps installs nothing (that PETSc is the user's;
# apt-get would install a second one) and lists what the tests would still need.
# python3-petsc4py: tutorials/ex4.py (Debian's petsc4py is built against Debian's PETSc).
DEB_PKGS := petsc-dev libpetsc3.18-dev-examples openmpi-bin libhdf5-openmpi-dev zlib1g-dev libopenblas-dev gmsh python3-matplotlib python3-petsc4py valgrind make gcc
DEBIAN_PETSC := $(if $(filter /usr/lib/petsc /usr/lib/petsc/ /usr/lib/petscdir/%,$(PETSC_DIR)),1)
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ -z "$(DEBIAN_PETSC)" ]; then \
	  echo "deps: PETSC_DIR=$(PETSC_DIR) is not Debian's PETSc: installing nothing (not even the other Debian packages)"; \
	  echo "deps: the tests and tutorials also use:$$missing (Debian names; install them yourself if needed)"; \
	else \
	  command -v apt-get >/dev/null || { echo "deps: missing$$missing, and no apt-get (not Debian?): install them, or set PETSC_DIR to your PETSc"; exit 1; }; \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The main job: tutorials/ex1 with the shipped model beside jacobi, icc, ilu, fsai at two sizes,
# then the full comparison (every baseline, the model, and its per-matrix optimum) on a small
# held-out dataset.
run: deps
	$(MAKE) all
	bash tutorials/run.sh
	@mkdir -p data
	$(BINDIR)/gcvae-datagen -family poisson -mesh meshes/square_433.msh -samples 50 -seed 1 -o data/run_poisson_433.h5 > /dev/null
	$(BINDIR)/gcvae-compare -data data/run_poisson_433.h5 -model models/poisson.bin -pcs none,jacobi,icc,ilu,sor,parasails,gamg,boomeramg,fsai,gcvae,optimum

test: deps
	$(MAKE) all
	bash tests/run.sh

# Setup and apply cost of PCGCVAE against FSAI, ParaSails and ICC(0) at n ~ 1e3 ... 1e6 (meshes and
# matrices in data/bench/, kept for the next run); table in tutorials/results/bench.md.
# A smaller set: make bench BENCH_SIZES="1e3 1e4". Reports; never fails on timings.
BENCH_SIZES ?= 1e3 1e4 1e5 1e6
bench: deps
	$(MAKE) all
	BENCH_SIZES="$(BENCH_SIZES)" bash tutorials/bench.sh
	$(MAKE) bench-tts

# Distributed generation (tutorials/bench_mpi.sh): setup time and setup peak memory per process of
# gcvae (and FSAI) on 1 and 2 processes at Poisson n ~ 1e6 and biharmonic n ~ 2.7e5, a weak-scaling
# pair, and the pieces of p = 2 ... 1024 partitions simulated on one process (tutorials/halo);
# table in tutorials/results/bench_mpi.md. Never fails on timings.
bench-mpi: deps
	$(MAKE) all
	bash tutorials/bench_mpi.sh

# Time to solution (tutorials/tts.sh): setup + CG solve of gcvae, fsai, parasails, icc, sor, jacobi,
# gamg, boomeramg and gamg with gcvae as its smoother, on both families (meshes shared with bench
# in data/bench/); table and plot in tutorials/results/tts.md, tts.png. A smaller set:
# make bench-tts TTS_SIZES="p1e3 b1e3"; TTS_PCS, TTS_MAX_IT (20000), TTS_REPS (2 runs per PC, the
# fastest kept) likewise. Never fails on timings.
TTS_SIZES ?= p1e3 p1e4 p1e5 b1e3 b4e3 b2e4 b7e4
bench-tts: deps
	$(MAKE) all
	TTS_SIZES="$(TTS_SIZES)" bash tutorials/tts.sh

# The shipped models, from fixed seeds (datasets in data/, not kept). Long: see models/README.md.
# poisson.bin and biharmonic.bin come from models-multi below; the two single-size models here.
CNN_TRAIN        ?= -decoder cnn -epochs 10 -seed 1 -max_train 400 -max_test 100
EDGE_TRAIN       ?= -decoder graph -epochs 35 -seed 1 -lr 3e-3 -lr_decay 0.95 -hidden 32 -heads 2 -gat_layers 6 -edge_layers 3 -decoder_hidden 64
models: deps
	$(MAKE) all
	@mkdir -p data models
	$(MAKE) models-multi
	$(BINDIR)/gcvae-datagen -family poisson -mesh meshes/square_433.msh -samples 2000 -seed 1 -o data/poisson_433.h5
	$(BINDIR)/gcvae-train -data data/poisson_433.h5 $(CNN_TRAIN) -o models/poisson_cnn_433.bin
	OPENBLAS_NUM_THREADS=1 $(BINDIR)/gcvae-train -data data/poisson_433.h5 $(EDGE_TRAIN) -o models/poisson_433_edge.bin
	rm -f models/*.ckpt models/*.ckpt.state

# ---- make models-multi: models/poisson.bin and models/biharmonic.bin each trained on datasets of
# several sizes and three mesh shapes at once (gcvae-train -data a.h5,b.h5,...), so that one model
# per family serves every size and mesh. Datasets go to $(MULTI_DIR), named with their sample
# count and kept (a rerun regenerates only what is missing); training runs with -resume, so an
# interrupted make continues from the last epoch (a checkpoint of other datasets is refused).
# Measured on the 2-core development machine (one OpenBLAS thread per run, the two families'
# runs side by side; models/README.md has the figures): datagen about 2 min (poisson 9 x 400)
# and 1 min (biharmonic 8 x 200); training poisson 14 epochs about 4 min (3.8 GB prepared),
# biharmonic 18 epochs about 35 min (8.3 GB prepared, the peak).
# Smoke check with tiny counts, without touching models/ (about 1 min):
#   make models-multi MULTI_POISSON_SAMPLES=10 MULTI_BIHARMONIC_SAMPLES=10 MULTI_DIR=data/multi_smoke \
#     MULTI_MODELS=data/multi_smoke MULTI_POISSON_TRAIN="$(MULTI_POISSON_TRAIN) -epochs 1" \
#     MULTI_BIHARMONIC_TRAIN="$(MULTI_BIHARMONIC_TRAIN) -epochs 1"
# P1 n: 102 433 1781 (square), 132 562 1163 (graded), 188 710 1329 (L-shape).
MULTI_POISSON    ?= square_102 square_433 square_1781 graded_132 graded_562 graded_1163 lshape_188 lshape_710 lshape_1329
# P2 n: 445 1029 (square), 319 575 1193 (graded), 337 811 1381 (L-shape).
MULTI_BIHARMONIC ?= square_102 square_243 graded_71 graded_132 graded_281 lshape_75 lshape_188 lshape_326
# samples per dataset (80% train); biharmonic matrices cost ~4x the memory of P1 ones (the loss's
# products R~^T A~ R~ on the wider P2 pattern), hence fewer
MULTI_POISSON_SAMPLES    ?= 400
MULTI_BIHARMONIC_SAMPLES ?= 200
MULTI_DIR        ?= data/multi
MULTI_MODELS     ?= models
# architecture, mask and schedule, chosen by time to solution (models/README.md, "Choosing the
# architecture"): small networks (generation is most of PCSetUp), mask pattern(A) for Poisson
# (extra entries buy fewer iterations than they cost) and pattern(A) + 0.5 nnz(A) for biharmonic
MULTI_POISSON_TRAIN    ?= -decoder graph -edge_layers 0 -hidden 16 -heads 2 -gat_layers 3 -decoder_hidden 16 -extra 0 -epochs 14 -seed 1
MULTI_BIHARMONIC_TRAIN ?= -decoder graph -hidden 16 -heads 2 -gat_layers 6 -edge_layers 2 -decoder_hidden 32 -extra 0.5 -epochs 18 -lr 3e-3 -lr_decay 0.95 -seed 1
comma := ,
empty :=
space := $(empty) $(empty)
MULTI_POISSON_DATA    := $(subst $(space),$(comma),$(strip $(MULTI_POISSON:%=$(MULTI_DIR)/poisson_%_$(MULTI_POISSON_SAMPLES).h5)))
MULTI_BIHARMONIC_DATA := $(subst $(space),$(comma),$(strip $(MULTI_BIHARMONIC:%=$(MULTI_DIR)/biharmonic_%_$(MULTI_BIHARMONIC_SAMPLES).h5)))
models-multi: deps
	$(MAKE) all
	$(MAKE) meshes-train
	@mkdir -p $(MULTI_DIR) $(MULTI_MODELS)
	@# one generator seed per dataset (its place in the list), so no two share coefficient draws
	@for fam in poisson biharmonic; do \
	  if [ $$fam = poisson ]; then list="$(MULTI_POISSON)"; seed=100; ns=$(MULTI_POISSON_SAMPLES); \
	  else list="$(MULTI_BIHARMONIC)"; seed=200; ns=$(MULTI_BIHARMONIC_SAMPLES); fi; \
	  for m in $$list; do seed=$$((seed + 1)); f=$(MULTI_DIR)/$${fam}_$${m}_$$ns.h5; \
	    [ -f $$f ] && continue; \
	    echo "$(BINDIR)/gcvae-datagen -family $$fam -mesh meshes/$$m.msh -samples $$ns -seed $$seed -o $$f"; \
	    $(BINDIR)/gcvae-datagen -family $$fam -mesh meshes/$$m.msh -samples $$ns -seed $$seed -o $$f > $$f.log || exit 1; \
	  done; done
	OPENBLAS_NUM_THREADS=1 $(BINDIR)/gcvae-train -data $(MULTI_POISSON_DATA) $(MULTI_POISSON_TRAIN) -resume -o $(MULTI_MODELS)/poisson.bin
	OPENBLAS_NUM_THREADS=1 $(BINDIR)/gcvae-train -data $(MULTI_BIHARMONIC_DATA) $(MULTI_BIHARMONIC_TRAIN) -resume -o $(MULTI_MODELS)/biharmonic.bin
	rm -f $(MULTI_MODELS)/poisson.bin.ckpt $(MULTI_MODELS)/biharmonic.bin.ckpt

# The comparison study (tutorials/study/study.py): datasets, cnn models and compare runs cached
# in data/study/ (a rerun redoes only what is missing), results in tutorials/results/.
# Debian's python3 has matplotlib (make deps); a python3 earlier on PATH may not.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
STUDY_FLAGS ?=
study: all
	$(PYTHON) tutorials/study/study.py $(if $(STUDY_QUICK),--quick) $(STUDY_FLAGS)

# ---- make install [PREFIX=/usr/local] [DESTDIR=]: what a program needs to use the PCs, outside
# this tree. The libraries find each other by $ORIGIN (LIBRPATH), so nothing installed refers to
# the build tree (tests/install.sh checks it); lib/libgcvae.so loads the CUDA backend from its own
# directory (src/cuda/dispatch.c), so lib/libgcvae_cuda.so is installed beside it when built.
# All of include/*.h is the libraries' API (they include only each other and PETSc's headers).
PREFIX  ?= /usr/local
DESTDIR ?=
# pkg-config needs a Version; there is no release yet
VERSION ?= 0.1
INSTALL_LIBS    := $(LIBDIR)/libgcvae.so $(LIBDIR)/libpcgcvae.so $(if $(filter 1,$(CUDA)),$(CUDA_LIB))
INSTALL_HEADERS := $(wildcard include/*.h)
INSTALL_MODELS  := $(wildcard models/*.bin) models/README.md
IPREFIX         := $(abspath $(PREFIX))
IDIR             = $(DESTDIR)$(IPREFIX)
# (pcgcvae.pc.in names it too)
MODELDIR        := share/pcgcvae/models
install: check-petsc $(INSTALL_LIBS)
	install -d $(IDIR)/lib/pkgconfig $(IDIR)/include $(IDIR)/$(MODELDIR)
	install -m 755 $(INSTALL_LIBS) $(IDIR)/lib/
	@# a CPU-only build installed over a CUDA one: the old backend would be loaded, and stale
	$(if $(filter 1,$(CUDA)),,rm -f $(IDIR)/lib/libgcvae_cuda.so)
	install -m 644 $(INSTALL_HEADERS) $(IDIR)/include/
	install -m 644 $(INSTALL_MODELS) $(IDIR)/$(MODELDIR)/
	@# pcgcvae.pc.in with this PREFIX (without DESTDIR: where the files will be used from)
	sed -e 's|@PREFIX@|$(IPREFIX)|g' -e 's|@PETSC_DIR@|$(PETSC_DIR)|g' -e 's|@VERSION@|$(VERSION)|g' pcgcvae.pc.in > $(IDIR)/lib/pkgconfig/pcgcvae.pc
	@echo "installed in $(IDIR): $(notdir $(INSTALL_LIBS)) in lib/, include/*.h, $(MODELDIR)/, lib/pkgconfig/pcgcvae.pc"
	@echo "(programs find lib/ through ldconfig (as root, for /usr/local/lib), LD_LIBRARY_PATH or -Wl,-rpath)"

uninstall:
	rm -f $(addprefix $(IDIR)/lib/,libgcvae.so libpcgcvae.so libgcvae_cuda.so pkgconfig/pcgcvae.pc) \
	  $(addprefix $(IDIR)/include/,$(notdir $(INSTALL_HEADERS))) $(addprefix $(IDIR)/$(MODELDIR)/,$(notdir $(INSTALL_MODELS)))
	@# only the directories this made, and only when empty (a user's own models stay)
	rmdir $(IDIR)/$(MODELDIR) $(IDIR)/share/pcgcvae 2>/dev/null || true

meshes:
	@for p in $(MESH_H); do h=$${p%%:*}; n=$${p##*:}; \
	  gmsh -2 -format msh22 -setnumber h $$h meshes/unit_square.geo -o meshes/square_$$n.msh >/dev/null || exit 1; \
	  echo "meshes/square_$$n.msh (h = $$h)"; done

# The name's N is checked against the mesh (meshes/interior.awk): another gmsh version may mesh
# differently, and the recipes (models-multi) name their datasets by N.
meshes-train:
	@for t in $(MESH_TRAIN); do geo=$${t%%:*}; rest=$${t#*:}; h=$${rest%%:*}; name=$${rest#*:}; \
	  gmsh -2 -format msh22 -setnumber h $$h meshes/$$geo.geo -o meshes/$$name.msh >/dev/null || exit 1; \
	  n=$$(awk -f meshes/interior.awk meshes/$$name.msh); \
	  [ "$$name" = "$${name%_*}_$$n" ] || { echo "meshes/$$name.msh has $$n interior vertices, not $${name##*_} (gmsh $$(gmsh --version 2>&1)): update MESH_TRAIN"; exit 1; }; \
	  echo "meshes/$$name.msh (h = $$h, n = $$n)"; done

clean:
	rm -rf $(OBJDIR) $(LIBDIR) $(BINDIR) tests/bin tests/out $(TUTORIALS) $(BENCH_BIN)
