/* The parameter buffer: a sizes table and one allocation carved into named tensors,
   with gradients and AdamW moments in the same layout (llm.c's ParameterTensors). */
#include "nnimpl.h"

PetscErrorCode nn_params_create(int ntensors, const char *const names[], const size_t sizes[], NNParamBuffer *buf)
{
  PetscFunctionBegin;
  PetscCheck(ntensors >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Number of tensors %d must be >= 0", ntensors);
  PetscCall(PetscMemzero(buf, sizeof(*buf)));
  buf->ntensors = ntensors;
  PetscCall(PetscCalloc3(ntensors, &buf->names, ntensors, &buf->sizes, ntensors, &buf->offsets));
  for (int i = 0; i < ntensors; i++) {
    for (int j = 0; j < i; j++) {
      PetscBool same;
      PetscCall(PetscStrcmp(names[i], names[j], &same));
      PetscCheck(!same, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Parameter tensor name \"%s\" used twice (%d and %d)", names[i], j, i);
    }
    PetscCall(PetscStrallocpy(names[i], &buf->names[i]));
    buf->sizes[i]   = sizes[i];
    buf->offsets[i] = buf->count;
    buf->count += sizes[i];
  }
  /* one allocation: params | grads | m | v */
  PetscCall(PetscCalloc1(4 * buf->count, &buf->params));
  buf->grads = buf->params + buf->count;
  buf->m     = buf->grads + buf->count;
  buf->v     = buf->m + buf->count;
  PetscFunctionReturn(0);
}

PetscErrorCode nn_params_destroy(NNParamBuffer *buf)
{
  PetscFunctionBegin;
  for (int i = 0; i < buf->ntensors; i++) PetscCall(PetscFree(buf->names[i]));
  PetscCall(PetscFree3(buf->names, buf->sizes, buf->offsets));
  PetscCall(PetscFree(buf->params));
  PetscCall(PetscMemzero(buf, sizeof(*buf)));
  PetscFunctionReturn(0);
}

PetscErrorCode nn_params_find(const NNParamBuffer *buf, const char name[], nnreal **param, nnreal **grad)
{
  PetscFunctionBegin;
  for (int i = 0; i < buf->ntensors; i++) {
    PetscBool same;
    PetscCall(PetscStrcmp(name, buf->names[i], &same));
    if (!same) continue;
    if (param) *param = buf->params + buf->offsets[i];
    if (grad) *grad = buf->grads + buf->offsets[i];
    PetscFunctionReturn(0);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "No parameter tensor named \"%s\"", name);
}

void nn_params_point(const NNParamBuffer *buf, nnreal *base, nnreal **ptrs[])
{
  for (int i = 0; i < buf->ntensors; i++) *ptrs[i] = base + buf->offsets[i];
}

void nn_params_zero_grad(NNParamBuffer *buf)
{
  for (size_t i = 0; i < buf->count; i++) buf->grads[i] = 0;
}

PetscErrorCode nn_params_adamw_step(NNParamBuffer *buf, nnreal lr, nnreal beta1, nnreal beta2, nnreal eps, nnreal weight_decay)
{
  PetscFunctionBegin;
  PetscCall(nn_adamw_update(buf->params, buf->grads, buf->m, buf->v, buf->count, lr, beta1, beta2, eps, weight_decay, buf->step + 1));
  buf->step++;
  PetscFunctionReturn(0);
}
