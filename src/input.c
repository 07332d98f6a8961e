/* A prepared matrix (GCVAEInput): what the network reads from one Jacobi-scaled SPD
   matrix A~ (unit diagonal) and its mask M. Features are computed in PetscScalar and
   stored as nnreal; all are O(1) for a scaled matrix, so no further normalisation.
     node i (GCVAE_NODE_FEATURES):
       0  log(s_i) - mean_i log(s_i), s_i = sum_j |a~_ij|   (a_ii itself is gone after
          scaling; s_i is the scale-free measure of diagonal dominance, centred per matrix)
       1  nnz of row i / mean over rows                      (degree, self loop counted)
       2  s_i = sum_j |a~_ij|
       3  (A~^2)_ii = sum_j a~_ij^2
     edge (i, j) of pattern(A~) (GCVAE_EDGE_FEATURES): a~_ij, [i == j]
     mask entry (i, j) (GCVAE_MASK_FEATURES): a~_ij (0 off the pattern), (A~^2)_ij,
       [(i, j) in pattern(A~)], [i == j]
   The inverse image (training) is stored as log(1 + I / mean(I)): dividing by the mean
   removes the matrix's overall scale (|A^-1| of an unscaled A spans decades between
   families and mesh sizes), the log compresses the dominant diagonal band. */
#include "inputimpl.h"
#include "localimpl.h"

/* Position of column j in the sorted row cols[0..len), or -1 */
static PetscInt FindInRow(const PetscInt *cols, PetscInt len, PetscInt j)
{
  PetscInt lo = 0, hi = len - 1;
  while (lo <= hi) {
    PetscInt mid = (lo + hi) / 2;
    if (cols[mid] == j) return mid;
    if (cols[mid] < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

static PetscErrorCode CheckSeqAIJ(Mat A, const char what[])
{
  PetscBool   isaij;
  PetscMPIInt size;
  MatType     type;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)A), &size));
  PetscCheck(size == 1, PetscObjectComm((PetscObject)A), PETSC_ERR_SUP, "GCVAEInputCreate is serial: %s must live on one process", what);
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)A, MATSEQAIJ, &isaij));
  PetscCall(MatGetType(A, &type));
  PetscCheck(isaij, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputCreate: %s must be MATSEQAIJ, got %s", what, type);
  PetscFunctionReturn(0);
}

/* A~ must be scaled (unit diagonal, finite) and both patterns sorted, with the diagonal
   in the mask. Checked before anything is allocated; the first problem is reported
   after the arrays are restored. */
static PetscErrorCode CheckInput(Mat At, Mat M)
{
  const PetscInt    *ai, *aj, *mi, *mj;
  const PetscScalar *av;
  PetscInt           n, bad = -1, row = -1, pos = -1;
  PetscBool          done;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAEInputCreate: cannot get the CSR of A~");
  PetscCall(MatGetRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAEInputCreate: cannot get the CSR of the mask");
  PetscCall(MatSeqAIJGetArrayRead(At, &av));
  for (PetscInt i = 0; i < n && bad < 0; i++) {
    PetscInt d;
    row = i;
    for (PetscInt k = ai[i] + 1; k < ai[i + 1] && bad < 0; k++)
      if (aj[k] <= aj[k - 1]) bad = 0;
    for (PetscInt k = mi[i] + 1; k < mi[i + 1] && bad < 0; k++)
      if (mj[k] <= mj[k - 1]) bad = 1;
    for (PetscInt k = ai[i]; k < ai[i + 1] && bad < 0; k++)
      if (PetscIsInfOrNanScalar(av[k])) bad = 2;
    if (bad >= 0) break;
    d = FindInRow(aj + ai[i], ai[i + 1] - ai[i], i);
    if (d < 0) bad = 3;
    else if (PetscAbsReal(PetscRealPart(av[ai[i] + d]) - 1) > 1e-8) {
      bad = 4;
      pos = ai[i] + d;
    } else if (FindInRow(mj + mi[i], mi[i + 1] - mi[i], i) < 0) bad = 5;
  }
  {
    const double aii = pos >= 0 ? (double)PetscRealPart(av[pos]) : 0;
    PetscCall(MatSeqAIJRestoreArrayRead(At, &av));
    PetscCall(MatRestoreRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
    PetscCall(MatRestoreRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
    PetscCheck(bad != 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputCreate: row %" PetscInt_FMT " of A~ is not sorted", row);
    PetscCheck(bad != 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputCreate: row %" PetscInt_FMT " of the mask is not sorted", row);
    PetscCheck(bad != 2, PETSC_COMM_SELF, PETSC_ERR_FP, "GCVAEInputCreate: A~ has a NaN or Inf entry in row %" PetscInt_FMT, row);
    PetscCheck(bad != 3, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputCreate: A~ has no diagonal entry in row %" PetscInt_FMT " (scale A with GCVAEScale)", row);
    PetscCheck(bad != 4, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputCreate: A~ must have a unit diagonal (GCVAEScale), a~_ii = %g in row %" PetscInt_FMT, aii, row);
    PetscCheck(bad != 5, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputCreate: the mask must contain the diagonal (R~ = I + correction); row %" PetscInt_FMT " does not", row);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEInputCreate(Mat At, Mat M, GCVAEInput *input)
{
  GCVAELocal loc;

  PetscFunctionBegin;
  PetscCheck(At, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument At is NULL", PETSC_FUNCTION_NAME);
  PetscCall(GCVAELocalSerial(At, &loc));
  PetscCall(GCVAEInputCreateLocal_Private(&loc, At, M, input));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEInputCreateLocal_Private(const GCVAELocal *loc, Mat At, Mat M, GCVAEInput *input)
{
  GCVAEInput         in;
  Mat                A2;
  Vec                sq;
  PetscInt           n, nm, m1, m2, nA2;
  const PetscInt    *ai, *aj, *mi, *mj, *bi, *bj;
  const PetscScalar *av, *bv;
  PetscBool          done;
  PetscReal         *rowsum;
  double             meanlog = 0, meandeg, nnzl = 0, nnzg;

  PetscFunctionBegin;
  PetscCheck(At, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument At is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(M, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument M is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(input, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument input is NULL", PETSC_FUNCTION_NAME);
  PetscCall(CheckSeqAIJ(At, "A~"));
  PetscCall(CheckSeqAIJ(M, "the mask M"));
  PetscCall(MatGetSize(At, &n, &m1));
  PetscCall(MatGetSize(M, &nm, &m2));
  /* a process may own no rows of a parallel matrix (and then has an empty piece); the matrix is not empty */
  PetscCheck(n == m1 && (n >= 1 || loc->N >= 1), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "GCVAEInputCreate: A~ must be square and non-empty, got %" PetscInt_FMT " x %" PetscInt_FMT, n, m1);
  PetscCheck(nm == n && m2 == n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "GCVAEInputCreate: mask is %" PetscInt_FMT " x %" PetscInt_FMT " but A~ is %" PetscInt_FMT " x %" PetscInt_FMT, nm, m2, n, n);
  PetscCall(CheckInput(At, M));

  PetscCall(PetscNew(&in));
  in->n = n;
  PetscCall(MatGetRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscCall(MatGetRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  PetscCall(MatSeqAIJGetArrayRead(At, &av));
  in->nnz  = ai[n];
  in->mnnz = mi[n];

  /* the graph */
  PetscCall(PetscMalloc2(n + 1, &in->rowptr, in->nnz, &in->colind));
  PetscCall(PetscArraycpy(in->rowptr, ai, n + 1));
  PetscCall(PetscArraycpy(in->colind, aj, in->nnz));

  /* node features; the means over the rows of the whole matrix (the owned rows of every process) */
  PetscCall(PetscMalloc1(n, &rowsum));
  PetscCall(PetscMalloc1((size_t)n * GCVAE_NODE_FEATURES, &in->xnode));
  for (PetscInt i = 0; i < n; i++)
    if (GCVAELocalOwns(loc, i)) nnzl += ai[i + 1] - ai[i];
  PetscCall(MPIU_Allreduce(&nnzl, &nnzg, 1, MPI_DOUBLE, MPI_SUM, loc->comm));
  meandeg = nnzg / loc->N;
  for (PetscInt i = 0; i < n; i++) {
    double s = 0, s2 = 0;
    for (PetscInt k = ai[i]; k < ai[i + 1]; k++) {
      const double a = PetscRealPart(av[k]);
      s += PetscAbsReal(a);
      s2 += a * a;
    }
    rowsum[i] = s; /* >= 1: the unit diagonal */
    if (GCVAELocalOwns(loc, i)) meanlog += log(s) / loc->N;
    in->xnode[i * GCVAE_NODE_FEATURES + 1] = (nnreal)((ai[i + 1] - ai[i]) / meandeg);
    in->xnode[i * GCVAE_NODE_FEATURES + 2] = (nnreal)s;
    in->xnode[i * GCVAE_NODE_FEATURES + 3] = (nnreal)s2;
  }
  {
    double local = meanlog;
    PetscCall(MPIU_Allreduce(&local, &meanlog, 1, MPI_DOUBLE, MPI_SUM, loc->comm));
  }
  for (PetscInt i = 0; i < n; i++) in->xnode[i * GCVAE_NODE_FEATURES + 0] = (nnreal)(log(rowsum[i]) - meanlog);
  PetscCall(PetscFree(rowsum));

  /* edge features */
  PetscCall(PetscMalloc1((size_t)in->nnz * GCVAE_EDGE_FEATURES, &in->xedge));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = ai[i]; k < ai[i + 1]; k++) {
      in->xedge[k * GCVAE_EDGE_FEATURES + 0] = (nnreal)PetscRealPart(av[k]);
      in->xedge[k * GCVAE_EDGE_FEATURES + 1] = (nnreal)(aj[k] == i);
    }

  /* mask entries: A~ and A~^2 looked up in their sorted rows; A~^2 on the mask as
     GCVAEMaskBuild left it on M, or formed here for a mask made otherwise */
  {
    PetscObject sqobj = NULL;
    PetscInt    sqlen = -1;
    PetscCall(PetscObjectQuery((PetscObject)M, GCVAE_MASK_SQUARE, &sqobj));
    if (sqobj) PetscCall(VecGetSize((Vec)sqobj, &sqlen));
    if (sqlen == in->mnnz) {
      sq  = (Vec)sqobj;
      A2  = NULL;
      nA2 = 0;
      bi = bj = NULL;
      PetscCall(VecGetArrayRead(sq, &bv));
    } else {
      sq = NULL;
      PetscCall(MatMatMult(At, At, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &A2));
      PetscCall(MatGetRowIJ(A2, 0, PETSC_FALSE, PETSC_FALSE, &nA2, &bi, &bj, &done));
      PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAEInputCreate: cannot get the CSR of A~^2");
      PetscCall(MatSeqAIJGetArrayRead(A2, &bv));
    }
  }
  PetscCall(PetscMalloc3(in->mnnz, &in->mrow, in->mnnz, &in->mcol, (size_t)in->mnnz * GCVAE_MASK_FEATURES, &in->xmask));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = mi[i]; k < mi[i + 1]; k++) {
      const PetscInt j = mj[k], pa = FindInRow(aj + ai[i], ai[i + 1] - ai[i], j), pb = sq ? -1 : FindInRow(bj + bi[i], bi[i + 1] - bi[i], j);
      nnreal        *x = in->xmask + (size_t)k * GCVAE_MASK_FEATURES;
      in->mrow[k]      = i;
      in->mcol[k]      = j;
      x[0]             = pa >= 0 ? (nnreal)PetscRealPart(av[ai[i] + pa]) : 0;
      x[1]             = sq ? (nnreal)PetscRealPart(bv[k]) : pb >= 0 ? (nnreal)PetscRealPart(bv[bi[i] + pb]) : 0;
      x[2]             = (nnreal)(pa >= 0);
      x[3]             = (nnreal)(i == j);
    }
  if (sq) PetscCall(VecRestoreArrayRead(sq, &bv));
  else {
    PetscCall(MatSeqAIJRestoreArrayRead(A2, &bv));
    PetscCall(MatRestoreRowIJ(A2, 0, PETSC_FALSE, PETSC_FALSE, &nA2, &bi, &bj, &done));
    PetscCall(MatDestroy(&A2));
  }
  PetscCall(MatSeqAIJRestoreArrayRead(At, &av));
  PetscCall(MatRestoreRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  PetscCall(MatRestoreRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  *input = in;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEInputSetImage(GCVAEInput in, PetscInt P, const float image[])
{
  double mean = 0;

  PetscFunctionBegin;
  PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument in is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(image, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument image is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(P >= 1 && P <= 65536, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAEInputSetImage: image side P = %" PetscInt_FMT " must be in [1, 65536]", P);
  for (size_t p = 0; p < (size_t)P * P; p++) {
    PetscCheck(isfinite(image[p]) && image[p] >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputSetImage: pixel %zu of the |A^-1| image is %g; must be finite and >= 0", p, (double)image[p]);
    mean += image[p];
  }
  mean /= (double)P * P;
  PetscCheck(mean > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "GCVAEInputSetImage: the |A^-1| image is all zero");
  if (in->P != P) {
    PetscCall(PetscFree(in->image));
    PetscCall(PetscMalloc1((size_t)P * P, &in->image));
    in->P = P;
  }
  for (size_t p = 0; p < (size_t)P * P; p++) in->image[p] = (nnreal)log1p(image[p] / mean);
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEInputGetSizes(GCVAEInput in, PetscInt *n, PetscInt *mask_nnz)
{
  PetscFunctionBegin;
  PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument in is NULL", PETSC_FUNCTION_NAME);
  if (n) *n = in->n;
  if (mask_nnz) *mask_nnz = in->mnnz;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEInputDestroy(GCVAEInput *input)
{
  GCVAEInput in;

  PetscFunctionBegin;
  if (!input || !*input) PetscFunctionReturn(0);
  in = *input;
  PetscCall(PetscFree2(in->rowptr, in->colind));
  PetscCall(PetscFree(in->xnode));
  PetscCall(PetscFree(in->xedge));
  PetscCall(PetscFree3(in->mrow, in->mcol, in->xmask));
  PetscCall(PetscFree(in->image));
  PetscCall(PetscFree(*input));
  PetscFunctionReturn(0);
}
