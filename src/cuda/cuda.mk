# src/cuda/cuda.mk: the CUDA backend (included by the top-level makefile before 'all').
#   make CUDA=0   lib/libgcvae.so gets src/cuda/dispatch.c only: the API of include/gcvae_cuda.h,
#                 which loads lib/libgcvae_cuda.so at first use, or fails with "built without
#                 CUDA=1" when it is not there. Nothing of CUDA is needed or linked.
#   make CUDA=1   (the default when $(CUDA_HOME)/bin/nvcc exists) also lib/libgcvae_cuda.so: src/cuda/*.c (gcc with the CUDA headers) and
#                 src/cuda/*.cu (nvcc), linked with cuDNN (conv_cudnn.c), cuSPARSE, cuBLAS and the CUDA runtime; and
#                 tests/bin/t_cuda_emu, the backend's code run on the host (src/cuda/emulate.c).
# Only the backend library links CUDA, so a CPU run (and valgrind) never loads the CUDA libraries.
# Switching needs no 'make clean': a build with CUDA=0 removes lib/libgcvae_cuda.so (left
# from a CUDA=1 build, it would be stale), and no object of lib/libgcvae.so depends on the choice.
CUDA_DEFAULT_GOAL := $(.DEFAULT_GOAL)

CUDA_HOME ?= /usr/local/cuda
# Default: the backend is built when the toolkit is there (CUDA=0 forces a CPU-only build).
CUDA      ?= $(if $(wildcard $(CUDA_HOME)/bin/nvcc),1,0)
NVCC      ?= $(CUDA_HOME)/bin/nvcc
# sm_80 (A100), sm_90 (H100/H200) binaries, and PTX for newer GPUs to JIT
CUDA_GENCODE ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
# --fmad=false: no fused multiply-adds, so the kernels round as the CPU reference does
NVCCFLAGS ?= -O2 -g -std=c++17 --fmad=false $(CUDA_GENCODE) -Xcompiler -fPIC,-Wall,-Wextra
CUDA_LIB  := $(LIBDIR)/libgcvae_cuda.so

CORE_OBJ += $(OBJDIR)/src/cuda/dispatch.o

ifeq ($(CUDA),1)
CUDA_C_SRC  := $(filter-out src/cuda/dispatch.c src/cuda/emulate.c,$(wildcard src/cuda/*.c))
CUDA_CU_SRC := $(wildcard src/cuda/*.cu)
CUDA_OBJ    := $(CUDA_C_SRC:%.c=$(OBJDIR)/cuda/%.o) $(CUDA_CU_SRC:%.cu=$(OBJDIR)/cuda/%.o)
CUDA_CFLAGS := $(CFLAGS_GCVAE) -isystem $(CUDA_HOME)/include
CUDA_LIBS   := -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudnn -lcusparse -lcublas -lcudart

all: $(CUDA_LIB)

$(OBJDIR)/cuda/%.o: %.c $(HEADERS) src/cuda/cudaimpl.h src/cuda/kernels.h src/inputimpl.h
	@mkdir -p $(dir $@)
	$(PCC) $(PCC_FLAGS) $(CUDA_CFLAGS) $(CFLAGS) $(CPPFLAGS) -c $< -o $@
$(OBJDIR)/cuda/%.o: %.cu src/cuda/kernels.h src/nn/gelutanh.h
	@test -x $(NVCC) || { echo "CUDA=1: nvcc not found at $(NVCC) (set CUDA_HOME)"; exit 1; }
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c $< -o $@
# -Bsymbolic: the backend's functions call each other, not lib/libgcvae.so's dispatchers of the same names
$(CUDA_LIB): $(CUDA_OBJ) $(LIBDIR)/libgcvae.so
	$(GCVAE_LINK) -shared -o $@ $(CUDA_OBJ) -Wl,-Bsymbolic -L$(LIBDIR) -lgcvae $(LIBRPATH) $(LIBS_GCVAE) $(CUDA_LIBS)

# tests/bin/t_cuda_emu: tests/t_cuda.c on the backend's own code run on the host (emulate.c says
# what that covers), so CI checks the kernels and the forward without a GPU. Its definitions of
# the GCVAECuda* functions take the place of lib/libgcvae.so's dispatchers (--export-dynamic).
GCVAE_CXX    ?= g++
CUDA_EMU_OBJ := $(addprefix $(OBJDIR)/emu/src/cuda/,emulate.o layers.o forward.o kernels.o)
TEST_BIN     += tests/bin/t_cuda_emu
$(OBJDIR)/emu/src/cuda/%.o: src/cuda/%.c $(HEADERS) src/cuda/cudaimpl.h src/cuda/kernels.h src/inputimpl.h
	@mkdir -p $(dir $@)
	$(PCC) $(PCC_FLAGS) $(CUDA_CFLAGS) $(CFLAGS) $(CPPFLAGS) -DGCVAE_CUDA_EMULATE -c $< -o $@
$(OBJDIR)/emu/src/cuda/kernels.o: src/cuda/kernels.cu src/cuda/kernels.h src/nn/gelutanh.h
	@mkdir -p $(dir $@)
	$(GCVAE_CXX) -x c++ -std=c++17 -O2 -g -fPIC -Wall -Wextra -isystem $(CUDA_HOME)/include -c $< -o $@
tests/bin/t_cuda_emu: $(OBJDIR)/tests/t_cuda.o $(CUDA_EMU_OBJ) $(LIBDIR)/libgcvaetrain.a $(LIBDIR)/libgcvae.so $(LIBDIR)/libpcgcvae.so
	@mkdir -p tests/bin
	$(GCVAE_LINK) -o $@ $(OBJDIR)/tests/t_cuda.o $(CUDA_EMU_OBJ) -Wl,--export-dynamic $(LIBDIR)/libgcvaetrain.a -L$(LIBDIR) -lpcgcvae -lgcvae $(LDRPATH) $(LIBS_GCVAE) -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart
else ifneq ($(filter-out deps meshes clean uninstall,$(or $(MAKECMDGOALS),all)),)
# a build without CUDA=1 has no backend (nor its emulation test)
$(shell rm -f $(CUDA_LIB) tests/bin/t_cuda_emu)
endif

.DEFAULT_GOAL := $(CUDA_DEFAULT_GOAL)
