# src/nn/model.mk: the whole network in double precision, for tests/bin/nn_model
# (tests/nn/model.c, a gradient check of src/model*.c). nn.mk compiles and links that
# program like every tests/nn/<layer>.c; this adds the double objects of the model and
# the PETSc-side pieces it needs (scaling, mask and its piece of the matrix, loss, model file: no nnreal in them).
MODEL_DEFAULT_GOAL := $(.DEFAULT_GOAL)

MODEL_DBL_OBJ   := $(OBJDIR)/dbl/src/model.o $(OBJDIR)/dbl/src/modelforward.o $(OBJDIR)/dbl/src/modelbackward.o $(OBJDIR)/dbl/src/input.o
MODEL_PETSC_OBJ := $(OBJDIR)/src/scale.o $(OBJDIR)/src/mask.o $(OBJDIR)/src/local.o $(OBJDIR)/src/loss.o $(OBJDIR)/src/modelio.o $(OBJDIR)/src/tmpfile.o
MODEL_HEADERS   := include/gcvae.h include/gcvae_model.h include/gcvae_nn.h src/inputimpl.h src/localimpl.h src/layoutimpl.h src/modelimpl.h

$(MODEL_DBL_OBJ): $(OBJDIR)/dbl/%.o: %.c $(MODEL_HEADERS)
	@mkdir -p $(dir $@)
	$(GCVAE_CC) -DGCVAE_NN_DOUBLE -c $< -o $@

# extra prerequisites: nn.mk's link recipe takes all of $^
tests/bin/nn_model: $(MODEL_DBL_OBJ) $(MODEL_PETSC_OBJ)
$(OBJDIR)/dbl/tests/nn/model.o $(OBJDIR)/tests/t_model.o: tests/nn/model_test.h $(MODEL_HEADERS)

.DEFAULT_GOAL := $(MODEL_DEFAULT_GOAL)
