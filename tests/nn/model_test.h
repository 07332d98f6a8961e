/* Shared by tests/nn/model.c (double network) and tests/t_model.c (float network):
   a variable-coefficient grid Laplacian, the prepared input, a small architecture,
   the loss of an r~, and a generator whose values are the same in both precisions. */
#ifndef GCVAE_TESTS_NN_MODEL_TEST_H
#define GCVAE_TESTS_NN_MODEL_TEST_H

#include <stdint.h>
#include <gcvae_model.h>

static uint64_t mt_state = 1;

static inline void mt_seed(uint64_t s)
{
  mt_state = s;
}

/* splitmix64, 24 bits: exact in float, so both builds see the same numbers */
static inline double mt_uniform(double lo, double hi)
{
  uint64_t z = (mt_state += 0x9E3779B97F4A7C15ull);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(float)(lo + (hi - lo) * (double)(z >> 40) / (double)(1ull << 24));
}

/* 5-point -div(k grad u) on an N x N interior grid, u = 0 outside, k at the face
   midpoints: k = contrast^w(x, y), w a smooth field in [0, 1]. SPD, n = N^2. */
static PetscErrorCode MTGridMatrix(PetscInt N, PetscReal contrast, Mat *A)
{
  const PetscReal h = 1.0 / (N + 1);

  PetscFunctionBeginUser;
  PetscCall(MatCreateSeqAIJ(PETSC_COMM_SELF, N * N, N * N, 5, NULL, A));
  for (PetscInt iy = 0; iy < N; iy++)
    for (PetscInt ix = 0; ix < N; ix++) {
      const PetscInt  row = iy * N + ix, dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
      PetscScalar     diag = 0;
      for (int f = 0; f < 4; f++) {
        const PetscReal x = (ix + 1 + 0.5 * dx[f]) * h, y = (iy + 1 + 0.5 * dy[f]) * h;
        const PetscReal w = 0.5 + 0.5 * PetscSinReal(2 * PETSC_PI * x + 0.7) * PetscCosReal(3 * PETSC_PI * y - 0.3);
        const PetscReal k = PetscPowReal(contrast, w);
        const PetscInt  jx = ix + dx[f], jy = iy + dy[f];
        diag += k;
        if (jx >= 0 && jx < N && jy >= 0 && jy < N) {
          const PetscInt    col = jy * N + jx;
          const PetscScalar v   = -k;
          PetscCall(MatSetValues(*A, 1, &row, 1, &col, &v, INSERT_VALUES));
        }
      }
      PetscCall(MatSetValues(*A, 1, &row, 1, &row, &diag, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* A prepared problem: A~, mask M, R~ (M's pattern), the input, the loss. */
typedef struct {
  Mat        At, M, R;
  GCVAEInput in;
  GCVAELoss  loss;
  PetscInt   n, mnnz;
  PetscBool *diag; /* (mnnz) mask entry on the diagonal */
} MTProblem;

static PetscErrorCode MTProblemCreate(PetscInt N, PetscReal contrast, PetscReal extra, PetscInt P, MTProblem *p)
{
  Mat A;

  PetscFunctionBeginUser;
  PetscCall(MTGridMatrix(N, contrast, &A));
  PetscCall(GCVAEScale(A, &p->At, NULL));
  PetscCall(MatDestroy(&A));
  PetscCall(GCVAEMaskBuild(p->At, extra, &p->M));
  PetscCall(MatDuplicate(p->M, MAT_COPY_VALUES, &p->R));
  PetscCall(GCVAEInputCreate(p->At, p->M, &p->in));
  PetscCall(GCVAEInputGetSizes(p->in, &p->n, &p->mnnz));
  PetscCall(GCVAELossCreate(p->At, p->R, &p->loss));
  {
    const PetscInt *mi, *mj;
    PetscInt        n;
    PetscBool       done;
    PetscCall(PetscMalloc1(p->mnnz, &p->diag));
    PetscCall(MatGetRowIJ(p->M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = mi[i]; k < mi[i + 1]; k++) p->diag[k] = (PetscBool)(mj[k] == i);
    PetscCall(MatRestoreRowIJ(p->M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  }
  if (P > 0) { /* a positive random image with a bright diagonal, like a pooled |A^-1| */
    float *img;
    PetscCall(PetscMalloc1(P * P, &img));
    for (PetscInt i = 0; i < P; i++)
      for (PetscInt j = 0; j < P; j++) img[i * P + j] = (float)(mt_uniform(0, 1) * (i == j ? 20.0 : 1.0 / (1 + PetscAbsInt(i - j))));
    PetscCall(GCVAEInputSetImage(p->in, P, img));
    PetscCall(PetscFree(img));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MTProblemDestroy(MTProblem *p)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(p->diag));
  PetscCall(GCVAELossDestroy(&p->loss));
  PetscCall(GCVAEInputDestroy(&p->in));
  PetscCall(MatDestroy(&p->R));
  PetscCall(MatDestroy(&p->M));
  PetscCall(MatDestroy(&p->At));
  PetscFunctionReturn(0);
}

/* L(R~) with R~'s values = r (M's CSR order); grad (mnnz) or NULL */
static PetscErrorCode MTLoss(MTProblem *p, const nnreal r[], PetscReal *value, PetscScalar grad[])
{
  PetscScalar *v;

  PetscFunctionBeginUser;
  PetscCall(MatSeqAIJGetArray(p->R, &v));
  for (PetscInt e = 0; e < p->mnnz; e++) v[e] = (PetscScalar)r[e];
  PetscCall(MatSeqAIJRestoreArray(p->R, &v));
  PetscCall(GCVAELossEvaluate(p->loss, p->R, value, grad));
  PetscFunctionReturn(0);
}

/* A small architecture: hidden 8, 2 heads, 2 GATv2 layers, latent 4, 16 x 16 images,
   3 channels, 3 conv layers, decoder width 8. */
static void MTHeader(GCVAEDecoderKind decoder, PetscInt cnn_n, GCVAEModelHeader *h)
{
  PetscMemzero(h, sizeof(*h));
  h->decoder        = decoder;
  h->node_features  = GCVAE_NODE_FEATURES;
  h->edge_features  = GCVAE_EDGE_FEATURES;
  h->hidden         = 8;
  h->gat_layers     = 2;
  h->heads          = 2;
  h->latent         = 4;
  h->image_size     = 16;
  h->cnn_channels   = 3;
  h->cnn_layers     = 3;
  h->decoder_hidden = 8;
  h->cnn_n          = decoder == GCVAE_DECODER_CNN ? cnn_n : 0;
  h->mask_extra     = 0.2;
  h->scaling        = 1;
}

/* Every parameter moved by U(-amp, amp), so that no layer sits at its (zero) initial value;
   rounded to float, so that both builds hold the same parameters */
static void MTPerturb(NNParamBuffer *buf, double amp)
{
  for (size_t i = 0; i < buf->count; i++) buf->params[i] = (nnreal)(float)((double)buf->params[i] + mt_uniform(-amp, amp));
}

#endif
