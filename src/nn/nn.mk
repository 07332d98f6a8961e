# src/nn/nn.mk: the network layers' tests (included by the top-level makefile before 'all').
# The float32 layers go into lib/libgcvae.so through CORE_SRC. Here the same sources are
# compiled again in double (-DGCVAE_NN_DOUBLE) into obj/dbl/ and linked, without the rest
# of the library, into one gradient-check program per tests/nn/<layer>.c:
#   tests/bin/nn_<layer>         central finite differences in double
#   tests/bin/nn_precision_f32   float forward of every layer, written to a file ...
#   tests/bin/nn_precision_f64   ... and compared with the double forward
NN_DEFAULT_GOAL := $(.DEFAULT_GOAL)

NN_SRC       := $(wildcard src/nn/*.c)
NN_FLT_OBJ   := $(NN_SRC:%.c=$(OBJDIR)/%.o)
NN_DBL_OBJ   := $(NN_SRC:%.c=$(OBJDIR)/dbl/%.o)
NN_TEST_LIB  := tests/nn/gradcheck.c
NN_TEST_SRC  := $(filter-out $(NN_TEST_LIB) tests/nn/precision.c,$(wildcard tests/nn/*.c))
NN_TEST_BIN  := $(NN_TEST_SRC:tests/nn/%.c=tests/bin/nn_%)
NN_HEADERS   := include/gcvae_nn.h $(wildcard src/nn/*.h tests/nn/*.h)
TEST_BIN     += $(NN_TEST_BIN) tests/bin/nn_precision_f32 tests/bin/nn_precision_f64

$(NN_DBL_OBJ) $(NN_TEST_SRC:%.c=$(OBJDIR)/dbl/%.o) $(OBJDIR)/dbl/tests/nn/gradcheck.o $(OBJDIR)/dbl/tests/nn/precision.o: $(OBJDIR)/dbl/%.o: %.c $(NN_HEADERS)
	@mkdir -p $(dir $@)
	$(GCVAE_CC) -DGCVAE_NN_DOUBLE -c $< -o $@

# float test objects come from the top-level $(OBJDIR)/%.o rule; add the test header
$(OBJDIR)/tests/nn/gradcheck.o $(OBJDIR)/tests/nn/precision.o: $(NN_HEADERS)

$(NN_TEST_BIN): tests/bin/nn_%: $(OBJDIR)/dbl/tests/nn/%.o $(OBJDIR)/dbl/tests/nn/gradcheck.o $(NN_DBL_OBJ)
	@mkdir -p tests/bin
	$(GCVAE_LINK) -o $@ $^ $(LIBS_GCVAE)

tests/bin/nn_precision_f64: $(OBJDIR)/dbl/tests/nn/precision.o $(OBJDIR)/dbl/tests/nn/gradcheck.o $(NN_DBL_OBJ)
	@mkdir -p tests/bin
	$(GCVAE_LINK) -o $@ $^ $(LIBS_GCVAE)

tests/bin/nn_precision_f32: $(OBJDIR)/tests/nn/precision.o $(OBJDIR)/tests/nn/gradcheck.o $(NN_FLT_OBJ)
	@mkdir -p tests/bin
	$(GCVAE_LINK) -o $@ $^ $(LIBS_GCVAE)

# Only the nn pieces (does not need the rest of the library to build).
.PHONY: nn-tests
nn-tests: $(NN_TEST_BIN) tests/bin/nn_precision_f32 tests/bin/nn_precision_f64

# the rules above must not become the default goal: 'all' stays it
.DEFAULT_GOAL := $(NN_DEFAULT_GOAL)
