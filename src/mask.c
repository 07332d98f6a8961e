/* The sparsity mask of R~: pattern(A) plus the `extra` fraction (of nnz(A)) of the
   largest entries of |A~| |A~| outside it, added in symmetric pairs. |A~||A~| (not
   |A~^2|) so that cancellation cannot hide a strong two-hop coupling. Ties are broken
   by (row, column), so the mask is a deterministic function of A. Both products are formed
   row by row here, never as matrices (O(nnz(A~^2)) time, O(n) extra memory). */
#include <gcvae.h>

typedef struct {
  PetscReal v;
  PetscInt  i, j;
} Candidate;

static int CandidateCompare(const void *a, const void *b)
{
  const Candidate *x = (const Candidate *)a, *y = (const Candidate *)b;
  if (x->v != y->v) return x->v > y->v ? -1 : 1;
  if (x->i != y->i) return x->i < y->i ? -1 : 1;
  return x->j < y->j ? -1 : (x->j > y->j);
}

/* The k-th largest (1 <= k <= n) of w[0..n), which is reordered: quickselect with a three-way
   partition (a mesh's |A~||A~| has many equal values), O(n) expected */
static PetscReal KthLargest(PetscReal *w, PetscInt n, PetscInt k)
{
  PetscInt lo = 0, hi = n - 1, t = k - 1; /* position t in descending order */

  while (lo < hi) {
    const PetscReal a = w[lo], b = w[lo + (hi - lo) / 2], c = w[hi];
    const PetscReal p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b)); /* median of three */
    PetscInt        lt = lo, i = lo, gt = hi; /* [lo, lt) > p, [lt, gt] = p, (gt, hi] < p */
    while (i <= gt) {
      const PetscReal x = w[i];
      if (x > p) {
        w[i++] = w[lt];
        w[lt++] = x;
      } else if (x < p) {
        w[i]    = w[gt];
        w[gt--] = x;
      } else i++;
    }
    if (t < lt) hi = lt - 1;
    else if (t > gt) lo = gt + 1;
    else return p;
  }
  return w[lo];
}

/* Move the first k candidates of the order of CandidateCompare (value descending, then row,
   column) to cand[0..k), in any order: the same set as a full sort's first k, in O(ncand) */
static PetscErrorCode SelectLargest(Candidate *cand, PetscInt ncand, PetscInt k)
{
  PetscReal *w, thr;
  PetscInt   g = 0, e;

  PetscFunctionBegin;
  if (k <= 0 || k >= ncand) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(ncand, &w));
  for (PetscInt c = 0; c < ncand; c++) w[c] = cand[c].v;
  thr = KthLargest(w, ncand, k);
  PetscCall(PetscFree(w));
  for (PetscInt c = 0; c < ncand; c++) /* above the threshold first, then the ties at it */
    if (cand[c].v > thr) {
      const Candidate x = cand[c];
      cand[c]           = cand[g];
      cand[g++]         = x;
    }
  e = g;
  for (PetscInt c = g; c < ncand; c++)
    if (cand[c].v == thr) {
      const Candidate x = cand[c];
      cand[c]           = cand[e];
      cand[e++]         = x;
    }
  qsort(cand + g, (size_t)(e - g), sizeof(Candidate), CandidateCompare); /* ties: by (row, column) */
  PetscFunctionReturn(0);
}

/* Row i of |A~||A~| (abs) and of A~^2 (sgn) by Gustavson's dense accumulation over the sorted
   row i of A~, the k of a~_ik a~_kj in increasing order as in PETSc's MatMatMult (the same sums
   to the bit). The columns touched are appended to cols[*nc]; acc arrays are zero outside them. */
static void SquareRow(PetscInt i, const PetscInt *ai, const PetscInt *aj, const PetscScalar *av, PetscReal *abs, PetscReal *sgn, PetscBool *seen, PetscInt *cols, PetscInt *nc)
{
  *nc = 0;
  for (PetscInt p = ai[i]; p < ai[i + 1]; p++) {
    const PetscInt  k = aj[p];
    const PetscReal a = PetscRealPart(av[p]), aa = PetscAbsReal(a);
    for (PetscInt q = ai[k]; q < ai[k + 1]; q++) {
      const PetscInt  j = aj[q];
      const PetscReal b = PetscRealPart(av[q]);
      if (!seen[j]) {
        seen[j]      = PETSC_TRUE;
        cols[(*nc)++] = j;
      }
      if (abs) abs[j] += aa * PetscAbsReal(b);
      if (sgn) sgn[j] += a * b;
    }
  }
}

/* A~^2 on the entries of the mask M (row by row, SquareRow's sums), composed on M as
   GCVAE_MASK_SQUARE for GCVAEInputCreate: saves it a MatMatMult */
static PetscErrorCode MaskSquare(PetscInt n, const PetscInt *ai, const PetscInt *aj, const PetscScalar *av, PetscReal *sgn, PetscBool *seen, PetscInt *cols, Mat M)
{
  const PetscInt *mi, *mj;
  PetscScalar    *s;
  Vec             sq;
  PetscInt        nc;
  PetscBool       done;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, mi[n], &sq));
  PetscCall(VecGetArrayWrite(sq, &s));
  for (PetscInt i = 0; i < n; i++) {
    SquareRow(i, ai, aj, av, NULL, sgn, seen, cols, &nc);
    for (PetscInt p = mi[i]; p < mi[i + 1]; p++) s[p] = sgn[mj[p]];
    for (PetscInt c = 0; c < nc; c++) {
      seen[cols[c]] = PETSC_FALSE;
      sgn[cols[c]]  = 0;
    }
  }
  PetscCall(VecRestoreArrayWrite(sq, &s));
  PetscCall(MatRestoreRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  PetscCall(PetscObjectCompose((PetscObject)M, GCVAE_MASK_SQUARE, (PetscObject)sq));
  PetscCall(VecDestroy(&sq));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEMaskBuild(Mat At, PetscReal extra, Mat *M)
{
  PetscInt           n, ncand = 0, ccap, nextra, *nnzrow, *cols, nc, maxrow = 0;
  const PetscInt    *ai, *aj;
  const PetscScalar *av;
  PetscBool          done, *seen;
  PetscReal         *abs, *sgn;
  Candidate         *cand;
  PetscMPIInt        size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)At), &size));
  PetscCheck(size == 1, PetscObjectComm((PetscObject)At), PETSC_ERR_SUP, "GCVAEMaskBuild is serial (MATSEQAIJ)");
  PetscCheck(extra >= 0 && extra <= 10, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Mask extra fraction %g must be in [0, 10]", (double)extra);
  PetscCall(MatGetSize(At, &n, NULL));
  PetscCall(MatGetRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAEMaskBuild: cannot get the CSR of A~");
  PetscCall(MatSeqAIJGetArrayRead(At, &av));
  for (PetscInt i = 0; i < n; i++) maxrow = PetscMax(maxrow, ai[i + 1] - ai[i]);
  PetscCall(PetscCalloc4(n, &abs, n, &sgn, n, &seen, n, &cols));
  if (!(PetscInt)PetscFloorReal(0.5 * extra * ai[n] + 0.5)) { /* no extra pairs: the mask is pattern(A~), no candidates to rank */
    PetscCall(MatDuplicate(At, MAT_COPY_VALUES, M));
    PetscCall(MaskSquare(n, ai, aj, av, sgn, seen, cols, *M));
    PetscCall(MatSeqAIJRestoreArrayRead(At, &av));
    PetscCall(MatRestoreRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
    PetscCall(PetscFree4(abs, sgn, seen, cols));
    PetscFunctionReturn(0);
  }
  /* candidates: (i, j), j > i, of |A~||A~| outside pattern(A~); rows of the square hold at most
     maxrow^2 entries, so the array grows by doubling (amortised O(nnz(A~^2))) */
  ccap = PetscMax(16, 2 * ai[n]);
  PetscCall(PetscMalloc1(ccap, &cand));
  for (PetscInt i = 0; i < n; i++) {
    SquareRow(i, ai, aj, av, abs, NULL, seen, cols, &nc);
    for (PetscInt p = ai[i]; p < ai[i + 1]; p++) seen[aj[p]] = PETSC_FALSE; /* pattern(A~): not candidates */
    for (PetscInt c = 0; c < nc; c++) {
      const PetscInt j = cols[c];
      if (seen[j] && j > i) {
        if (ncand == ccap) {
          Candidate *bigger;
          PetscCall(PetscMalloc1(2 * ccap, &bigger));
          PetscCall(PetscArraycpy(bigger, cand, ncand));
          PetscCall(PetscFree(cand));
          cand = bigger;
          ccap *= 2;
        }
        cand[ncand].v   = abs[j];
        cand[ncand].i   = i;
        cand[ncand++].j = j;
      }
      seen[j] = PETSC_FALSE;
      abs[j]  = 0;
    }
  }
  nextra = PetscMin(ncand, (PetscInt)PetscFloorReal(0.5 * extra * ai[n] + 0.5)); /* pairs */
  PetscCall(SelectLargest(cand, ncand, nextra));
  PetscCall(PetscCalloc1(n, &nnzrow));
  for (PetscInt i = 0; i < n; i++) nnzrow[i] = ai[i + 1] - ai[i];
  for (PetscInt k = 0; k < nextra; k++) {
    nnzrow[cand[k].i]++;
    nnzrow[cand[k].j]++;
  }
  { /* the CSR of M built here and handed to PETSc once: one MatSetValues per extra entry would
       insert into sorted rows ~nnz(A) times */
    PetscInt    *mi, *mj, *fill;
    PetscScalar *mv;
    PetscCall(PetscMalloc2(n + 1, &mi, n, &fill));
    mi[0] = 0;
    for (PetscInt i = 0; i < n; i++) mi[i + 1] = mi[i] + nnzrow[i];
    PetscCall(PetscMalloc2(mi[n], &mj, mi[n], &mv));
    for (PetscInt i = 0; i < n; i++) { /* pattern(A~) with A~'s values first */
      const PetscInt len = ai[i + 1] - ai[i];
      PetscCall(PetscArraycpy(mj + mi[i], aj + ai[i], len));
      PetscCall(PetscArraycpy(mv + mi[i], av + ai[i], len));
      fill[i] = mi[i] + len;
    }
    for (PetscInt k = 0; k < nextra; k++) { /* then the extra pairs, zero */
      mj[fill[cand[k].i]]   = cand[k].j;
      mv[fill[cand[k].i]++] = 0;
      mj[fill[cand[k].j]]   = cand[k].i;
      mv[fill[cand[k].j]++] = 0;
    }
    for (PetscInt i = 0; i < n; i++)
      if (mi[i + 1] - mi[i] > ai[i + 1] - ai[i]) PetscCall(PetscSortIntWithScalarArray(mi[i + 1] - mi[i], mj + mi[i], mv + mi[i]));
    PetscCall(MatCreate(PETSC_COMM_SELF, M));
    PetscCall(MatSetSizes(*M, n, n, n, n));
    PetscCall(MatSetType(*M, MATSEQAIJ));
    PetscCall(MatSeqAIJSetPreallocationCSR(*M, mi, mj, mv)); /* copies; assembles */
    PetscCall(PetscFree2(mj, mv));
    PetscCall(PetscFree2(mi, fill));
  }
  PetscCall(MaskSquare(n, ai, aj, av, sgn, seen, cols, *M));
  PetscCall(MatSeqAIJRestoreArrayRead(At, &av));
  PetscCall(MatRestoreRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscCall(PetscFree4(abs, sgn, seen, cols));
  PetscCall(PetscFree(nnzrow));
  PetscCall(PetscFree(cand));
  PetscFunctionReturn(0);
}
