/* The CUDA backend's API in lib/libgcvae.so, in every build: each function loads the backend,
   lib/libgcvae_cuda.so (built beside it by make CUDA=1), at its first use and calls it there.
   So lib/libgcvae.so never links the CUDA libraries (a CPU run, valgrind and machines without
   the CUDA runtime never load them), and without the backend every function fails with
   "built without CUDA=1" (libCEED's way: a backend that was not compiled fails clearly
   instead of vanishing). */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <unistd.h>
#include <gcvae_cuda.h>

#define CUDA_BACKEND_LIB "libgcvae_cuda.so"

/* name, parameters, arguments of every function the backend provides: the ones that only
   forward to it, and the three below that work without it */
#define GCVAE_CUDA_FORWARDED(X) \
  X(GCVAECudaMalloc, (size_t bytes, void **dptr), (bytes, dptr)) \
  X(GCVAECudaFree, (void *dptr), (dptr)) \
  X(GCVAECudaCopyToDevice, (void *dst, const void *src, size_t bytes), (dst, src, bytes)) \
  X(GCVAECudaCopyToHost, (void *dst, const void *src, size_t bytes), (dst, src, bytes)) \
  X(GCVAECudaSynchronize, (void), ()) \
  X(GCVAECudaLinear, (float *out, const float *inp, const float *weight, const float *bias, int B, int C, int OC), (out, inp, weight, bias, B, C, OC)) \
  X(GCVAECudaGelu, (float *out, const float *inp, size_t N), (out, inp, N)) \
  X(GCVAECudaAdd, (float *y, const float *x, size_t N), (y, x, N)) \
  X(GCVAECudaLayerNorm, (float *out, const float *inp, const float *weight, const float *bias, int B, int C), (out, inp, weight, bias, B, C)) \
  X(GCVAECudaGATv2, (float *out, float *T, float *M, float *alpha, const float *h, const float *xe, const float *Ws, const float *Wt, const float *We, const float *a, const float *bias, const int *rowptr, const int *colind, const int *erow, int n, int C, int E, int H, int D, float slope), (out, T, M, alpha, h, xe, Ws, Wt, We, a, bias, rowptr, colind, erow, n, C, E, H, D, slope)) \
  X(GCVAECudaGatherRows, (float *out, int ldo, int off, const float *src, const int *idx, int m, int C), (out, ldo, off, src, idx, m, C)) \
  X(GCVAECudaRowSum, (float *out, const float *inp, const int *rowptr, int n, int C), (out, inp, rowptr, n, C)) \
  X(GCVAECudaModelForward, (GCVAEModel model, GCVAEInput in, GCVAELatentMode mode, const nnreal eps[], nnreal r[]), (model, in, mode, eps, r)) \
  X(GCVAECudaGenerate, (GCVAEModel model, Mat A, PetscReal extra, GCVAELatentMode mode, const nnreal eps[], Mat *R), (model, A, extra, mode, eps, R)) \
  X(GCVAECudaConv2dForward, (float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad), (out, inp, weight, bias, B, C, H, W, OC, K, stride, pad)) \
  X(GCVAECudaConv2dBackward, (float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad), (dinp, dweight, dbias, dout, inp, weight, B, C, H, W, OC, K, stride, pad)) \
  X(GCVAECudaConvT2dForward, (float *out, const float *inp, const float *weight, const float *bias, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad), (out, inp, weight, bias, B, C, H, W, OC, K, stride, pad, outpad)) \
  X(GCVAECudaConvT2dBackward, (float *dinp, float *dweight, float *dbias, const float *dout, const float *inp, const float *weight, int B, int C, int H, int W, int OC, int K, int stride, int pad, int outpad), (dinp, dweight, dbias, dout, inp, weight, B, C, H, W, OC, K, stride, pad, outpad)) \
  X(GCVAECudaFactorCreate, (Mat R, GCVAECudaFactor * f), (R, f)) \
  X(GCVAECudaFactorApply, (GCVAECudaFactor f, Vec x, Vec y), (f, x, y)) \
  X(GCVAECudaFactorApplyTranspose, (GCVAECudaFactor f, Vec x, Vec y), (f, x, y)) \
  X(GCVAECudaFactorApplyR, (GCVAECudaFactor f, Vec x, Vec y), (f, x, y))
#define GCVAE_CUDA_FUNCTIONS(X) \
  X(GCVAECudaAvailable, (PetscBool * compiled, int *ndevices, char why[], size_t len), (compiled, ndevices, why, len)) \
  X(GCVAECudaCheckDevice, (MPI_Comm comm), (comm)) \
  X(GCVAECudaFactorDestroy, (GCVAECudaFactor * f), (f)) \
  GCVAE_CUDA_FORWARDED(X)

#define MEMBER(NAME, PARAMS, ARGS) PetscErrorCode(*NAME) PARAMS;
static struct {
  GCVAE_CUDA_FUNCTIONS(MEMBER)
} backend;
#undef MEMBER

static int  load_state; /* 0 not tried, 1 loaded, -1 not built, -2 failed to load */
static char load_error[PETSC_MAX_PATH_LEN + 512];

/* Loads lib/libgcvae_cuda.so from the directory of this library, once. */
static void Load(void)
{
  Dl_info info;
  char    path[PETSC_MAX_PATH_LEN];
  void   *handle;

  if (load_state) return;
  if (!dladdr((void *)&Load, &info) || !info.dli_fname) {
    load_state = -2;
    snprintf(load_error, sizeof(load_error), "cannot locate lib/libgcvae.so to find the CUDA backend beside it");
    return;
  }
  snprintf(path, sizeof(path), "%s", info.dli_fname);
  {
    char *slash = strrchr(path, '/');
    if (slash) slash[1] = 0;
    else path[0] = 0;
  }
  strncat(path, CUDA_BACKEND_LIB, sizeof(path) - strlen(path) - 1);
  if (access(path, F_OK)) {
    load_state = -1;
    snprintf(load_error, sizeof(load_error), "PCGCVAE was built without CUDA=1 (no %s): rebuild with make CUDA=1", path);
    return;
  }
  handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    load_state = -2;
    snprintf(load_error, sizeof(load_error), "the CUDA backend %s cannot be loaded: %s", path, dlerror());
    return;
  }
#define FIND(NAME, PARAMS, ARGS) \
  if (load_state == 0) { \
    *(void **)&backend.NAME = dlsym(handle, #NAME); \
    if (!backend.NAME) { \
      load_state = -2; \
      snprintf(load_error, sizeof(load_error), "the CUDA backend %s has no %s (stale build? rebuild with make CUDA=1)", path, #NAME); \
    } \
  }
  GCVAE_CUDA_FUNCTIONS(FIND)
#undef FIND
  if (load_state == 0) load_state = 1;
}

/* every function but the three below: load, then call the backend's */
#define FORWARD(NAME, PARAMS, ARGS) \
  PetscErrorCode NAME PARAMS \
  { \
    PetscFunctionBegin; \
    Load(); \
    PetscCheck(load_state == 1, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: %s", #NAME, load_error); \
    PetscCall(backend.NAME ARGS); \
    PetscFunctionReturn(0); \
  }
GCVAE_CUDA_FORWARDED(FORWARD)
#undef FORWARD

/* never an error: not built, not loadable and no device are answers (tests skip on them) */
PetscErrorCode GCVAECudaAvailable(PetscBool *compiled, int *ndevices, char why[], size_t len)
{
  PetscFunctionBegin;
  Load();
  if (load_state == 1) {
    PetscCall(backend.GCVAECudaAvailable(compiled, ndevices, why, len));
    PetscFunctionReturn(0);
  }
  if (compiled) *compiled = (PetscBool)(load_state != -1);
  if (ndevices) *ndevices = 0;
  if (why) PetscCall(PetscSNPrintf(why, len, "%s", load_error));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaCheckDevice(MPI_Comm comm)
{
  PetscFunctionBegin;
  Load();
  PetscCheck(load_state != -1, comm, PETSC_ERR_SUP, "no CUDA: %s (or use -pc_gcvae_device cpu)", load_error);
  PetscCheck(load_state == 1, comm, PETSC_ERR_LIB, "no CUDA: %s (or use -pc_gcvae_device cpu)", load_error);
  PetscCall(backend.GCVAECudaCheckDevice(comm));
  PetscFunctionReturn(0);
}

/* destroying nothing needs no backend */
PetscErrorCode GCVAECudaFactorDestroy(GCVAECudaFactor *f)
{
  PetscFunctionBegin;
  if (!f || !*f) PetscFunctionReturn(0);
  Load();
  PetscCheck(load_state == 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GCVAECudaFactorDestroy: %s", load_error);
  PetscCall(backend.GCVAECudaFactorDestroy(f));
  PetscFunctionReturn(0);
}

/* the conv layers' backend of src/nn/conv2d.c: these dispatchers, so cuDNN is loaded at the first call */
static const NNConvBackend cudnn_conv = {"cuDNN", GCVAECudaConv2dForward, GCVAECudaConv2dBackward, GCVAECudaConvT2dForward, GCVAECudaConvT2dBackward};

PetscErrorCode GCVAECudaUseConvBackend(PetscBool use)
{
  PetscFunctionBegin;
  if (use) PetscCall(GCVAECudaCheckDevice(PETSC_COMM_SELF));
  PetscCall(nn_conv2d_set_backend(use ? &cudnn_conv : NULL));
  PetscFunctionReturn(0);
}
