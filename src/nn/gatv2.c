/* GATv2 attention with edge features over a CSR graph with self loops (Brody et al.,
   "How attentive are graph attention networks?", 2022), H heads concatenated.
   For edge k = (i, j) of row i and head h (OC = H D, heads are column blocks of D):
     m_k   = W_s h_i + W_t h_j + W_e x_k
     e_kh  = sum_d a[h,d] LeakyReLU(m_k[hD+d])
     alpha = softmax of e_kh over the edges of row i
     out_i = bias + sum_k alpha_kh (W_t h_j)[hD..hD+D) */
#include "nnimpl.h"

/* alpha, e (nnz, H): per row and head, alpha = exp(e - max) / sum exp(e - max). */
void nn_csr_softmax_forward(nnreal *alpha, const nnreal *e, const PetscInt *rowptr, int n, int H)
{
  for (int i = 0; i < n; i++) {
    for (int h = 0; h < H; h++) {
      nnreal emax = -INFINITY, sum = 0;
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) emax = PetscMax(emax, e[k * H + h]);
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
        alpha[k * H + h] = nnexp(e[k * H + h] - emax);
        sum += alpha[k * H + h];
      }
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) alpha[k * H + h] /= sum;
    }
  }
}

/* de (nnz, H) += alpha (dalpha - sum_row alpha dalpha) */
void nn_csr_softmax_backward(nnreal *de, const nnreal *dalpha, const nnreal *alpha, const PetscInt *rowptr, int n, int H)
{
  for (int i = 0; i < n; i++) {
    for (int h = 0; h < H; h++) {
      nnreal dot = 0;
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) dot += alpha[k * H + h] * dalpha[k * H + h];
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) de[k * H + h] += alpha[k * H + h] * (dalpha[k * H + h] - dot);
    }
  }
}

/* Inference (M = NULL), one row i at a time: the scores of its edges, their softmax and the
   aggregation while the row's T_j are in cache, with m_k formed on the fly and never stored;
   out_i overwrites S_i = (W_s h)_i, which only row i reads. The same operations in the same
   order as the training path below (so the same alpha and out); OCC is a compile-time width
   where it can be (GATV2_ROWS(16) ...), so m_k lives in vector registers. */
#define GATV2_ROWS(OCC) \
  for (int i = 0; i < n; i++) { \
    const nnreal  *Si = out + (size_t)i * (OCC); \
    nnreal        *oi = out + (size_t)i * (OCC); \
    const PetscInt k0 = rowptr[i], k1 = rowptr[i + 1]; \
    for (PetscInt k = k0; k < k1; k++) { \
      const nnreal *Tj = T + (size_t)colind[k] * (OCC), *xk = xe + (size_t)k * E; \
      nnreal        m[OCC]; \
      for (int c = 0; c < (OCC); c++) m[c] = 0; \
      for (int f = 0; f < E; f++) \
        for (int c = 0; c < (OCC); c++) m[c] += xk[f] * WeT[f * (OCC) + c]; \
      for (int c = 0; c < (OCC); c++) m[c] += Si[c] + Tj[c]; \
      for (int hd = 0; hd < H; hd++) { \
        nnreal sc = 0; \
        for (int d = 0; d < D; d++) { \
          nnreal v = m[hd * D + d]; \
          sc += a[hd * D + d] * (v > 0 ? v : slope * v); \
        } \
        alpha[(size_t)k * H + hd] = sc; \
      } \
    } \
    for (int hd = 0; hd < H; hd++) { /* nn_csr_softmax_forward's row */ \
      nnreal emax = -INFINITY, sum = 0; \
      for (PetscInt k = k0; k < k1; k++) emax = PetscMax(emax, alpha[k * H + hd]); \
      for (PetscInt k = k0; k < k1; k++) { \
        alpha[k * H + hd] = nnexp(alpha[k * H + hd] - emax); \
        sum += alpha[k * H + hd]; \
      } \
      for (PetscInt k = k0; k < k1; k++) alpha[k * H + hd] /= sum; \
    } \
    for (int c = 0; c < (OCC); c++) oi[c] = bias ? bias[c] : 0; /* S_i is dead */ \
    for (PetscInt k = k0; k < k1; k++) { \
      const nnreal *Tj = T + (size_t)colind[k] * (OCC); \
      for (int hd = 0; hd < H; hd++) { \
        nnreal al = alpha[(size_t)k * H + hd]; \
        for (int d = 0; d < D; d++) oi[hd * D + d] += al * Tj[hd * D + d]; \
      } \
    } \
  }

/* out (n, OC), saved T (n, OC), M (nnz, OC) or NULL, alpha (nnz, H); h (n, C), xe (nnz, E),
   Ws, Wt (OC, C), We (OC, E), a (H, D), bias (OC) or NULL. With M = NULL (inference) each m_k
   is formed on the fly and not kept: no nnz x OC buffer to write and read back. */
NN_VECTOR_CLONES
void nn_gatv2_forward(nnreal *out, nnreal *T, nnreal *M, nnreal *alpha, const nnreal *h, const nnreal *xe, const nnreal *Ws, const nnreal *Wt, const nnreal *We, const nnreal *a, const nnreal *bias, const PetscInt *rowptr, const PetscInt *colind, int n, int C, int E, int H, int D, nnreal slope)
{
  const int OC = H * D, nnz = (int)rowptr[n];
  nnreal   *S = out; /* W_s h lives in out until the aggregation overwrites it */

  nn_gemm('N', 'T', n, OC, C, 1, h, C, Ws, C, 0, S, OC); /* S = h Ws^T    (n, OC)   */
  nn_gemm('N', 'T', n, OC, C, 1, h, C, Wt, C, 0, T, OC); /* T = h Wt^T    (n, OC)   */
  if (!M) {
    nnreal WeT[E * OC]; /* We transposed to (E, OC) */
    for (int c = 0; c < OC; c++)
      for (int f = 0; f < E; f++) WeT[f * OC + c] = We[c * E + f];
    switch (OC) {
    case 16: GATV2_ROWS(16) break;
    case 32: GATV2_ROWS(32) break;
    case 64: GATV2_ROWS(64) break;
    default: GATV2_ROWS(OC) break;
    }
    return;
  }
  nn_gemm('N', 'T', nnz, OC, E, 1, xe, E, We, E, 0, M, OC); /* M = xe We^T (nnz, OC) */
  for (int i = 0; i < n; i++) {
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
      const nnreal *Si = S + (size_t)i * OC, *Tj = T + (size_t)colind[k] * OC;
      nnreal       *Mk = M + (size_t)k * OC;
      for (int c = 0; c < OC; c++) Mk[c] += Si[c] + Tj[c];
      for (int hd = 0; hd < H; hd++) { /* score e_kh, kept in alpha until the softmax */
        nnreal s = 0;
        for (int d = 0; d < D; d++) {
          nnreal m = Mk[hd * D + d];
          s += a[hd * D + d] * (m > 0 ? m : slope * m);
        }
        alpha[(size_t)k * H + hd] = s;
      }
    }
  }
  nn_csr_softmax_forward(alpha, alpha, rowptr, n, H);
  for (int i = 0; i < n; i++) { /* S is dead: every row of M is built */
    nnreal *oi = out + (size_t)i * OC;
    for (int c = 0; c < OC; c++) oi[c] = bias ? bias[c] : 0;
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
      const nnreal *Tj = T + (size_t)colind[k] * OC;
      for (int hd = 0; hd < H; hd++) {
        nnreal al = alpha[(size_t)k * H + hd];
        for (int d = 0; d < D; d++) oi[hd * D + d] += al * Tj[hd * D + d];
      }
    }
  }
}

/* Gradients (accumulated): dh (n, C), dxe (nnz, E), dWs, dWt (OC, C), dWe (OC, E),
   da (H, D), dbias (OC); any may be NULL. dout (n, OC); T, M, alpha saved by forward. */
PetscErrorCode nn_gatv2_backward(nnreal *dh, nnreal *dxe, nnreal *dWs, nnreal *dWt, nnreal *dWe, nnreal *da, nnreal *dbias, const nnreal *dout, const nnreal *h, const nnreal *xe, const nnreal *Ws, const nnreal *Wt, const nnreal *We, const nnreal *a, const nnreal *T, const nnreal *M, const nnreal *alpha, const PetscInt *rowptr, const PetscInt *colind, int n, int C, int E, int H, int D, nnreal slope)
{
  const int OC = H * D, nnz = (int)rowptr[n];
  nnreal   *dS, *dT, *dM, *dalpha, *de;

  PetscFunctionBegin;
  PetscCall(PetscCalloc5((size_t)n * OC, &dS, (size_t)n * OC, &dT, (size_t)nnz * OC, &dM, (size_t)nnz * H, &dalpha, (size_t)nnz * H, &de));
  if (dbias)
    for (int i = 0; i < n; i++)
      for (int c = 0; c < OC; c++) dbias[c] += dout[(size_t)i * OC + c];
  /* aggregation out_i = sum_k alpha_kh T_j: to dalpha and to the messages T */
  for (int i = 0; i < n; i++) {
    const nnreal *doi = dout + (size_t)i * OC;
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
      const nnreal *Tj  = T + (size_t)colind[k] * OC;
      nnreal       *dTj = dT + (size_t)colind[k] * OC;
      for (int hd = 0; hd < H; hd++) {
        nnreal al = alpha[(size_t)k * H + hd], s = 0;
        for (int d = 0; d < D; d++) {
          s += doi[hd * D + d] * Tj[hd * D + d];
          dTj[hd * D + d] += al * doi[hd * D + d];
        }
        dalpha[(size_t)k * H + hd] = s;
      }
    }
  }
  nn_csr_softmax_backward(de, dalpha, alpha, rowptr, n, H);
  /* scores e_kh = a_h . LeakyReLU(M_k,h): to da and dM, then M_k = S_i + T_j + (xe We^T)_k */
  for (int i = 0; i < n; i++) {
    for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
      const nnreal *Mk  = M + (size_t)k * OC;
      nnreal       *dMk = dM + (size_t)k * OC, *dSi = dS + (size_t)i * OC, *dTj = dT + (size_t)colind[k] * OC;
      for (int hd = 0; hd < H; hd++) {
        nnreal dek = de[(size_t)k * H + hd];
        for (int d = 0; d < D; d++) {
          nnreal m = Mk[hd * D + d];
          if (da) da[hd * D + d] += dek * (m > 0 ? m : slope * m);
          dMk[hd * D + d] = dek * a[hd * D + d] * (m > 0 ? 1 : slope);
        }
      }
      for (int c = 0; c < OC; c++) {
        dSi[c] += dMk[c];
        dTj[c] += dMk[c];
      }
    }
  }
  if (dWe) nn_gemm('T', 'N', OC, E, nnz, 1, dM, OC, xe, E, 1, dWe, E); /* dWe += dM^T xe */
  if (dxe) nn_gemm('N', 'N', nnz, E, OC, 1, dM, OC, We, E, 1, dxe, E); /* dxe += dM We   */
  if (dWs) nn_gemm('T', 'N', OC, C, n, 1, dS, OC, h, C, 1, dWs, C);     /* dWs += dS^T h  */
  if (dWt) nn_gemm('T', 'N', OC, C, n, 1, dT, OC, h, C, 1, dWt, C);     /* dWt += dT^T h  */
  if (dh) {
    nn_gemm('N', 'N', n, C, OC, 1, dS, OC, Ws, C, 1, dh, C); /* dh += dS Ws + dT Wt */
    nn_gemm('N', 'N', n, C, OC, 1, dT, OC, Wt, C, 1, dh, C);
  }
  PetscCall(PetscFree5(dS, dT, dM, dalpha, de));
  PetscFunctionReturn(0);
}
