/* The sparsity mask of R~: pattern(A) plus the `extra` fraction (of nnz(A)) of the
   largest entries of |A~| |A~| outside it, added in symmetric pairs. |A~||A~| (not
   |A~^2|) so that cancellation cannot hide a strong two-hop coupling. Ties are broken
   by global (row, column), so the mask is a deterministic function of A in its global numbering,
   whatever the local order and the number of processes: on several, each process builds the
   mask of its piece (src/local.c) and the top-k is selected over all of them (RadixSelect).
   Both products are formed row by row here, never as matrices (O(nnz(A~^2)) time, O(n) extra
   memory). */
#include "localimpl.h"

typedef struct {
  PetscReal v;
  PetscInt  i, j; /* local rows, global index of i < that of j */
} Candidate;

/* The k-th (1 <= k <= their number) of the keys of all processes of comm, in descending order
   (largest) or ascending: radix selection on the bytes from the most significant, 8 rounds of a
   histogram of the keys still in play and one MPI_Allreduce of its 256 counts, O(nk) work in all
   (the keys in play shrink to those sharing the chosen bytes; key[] is overwritten). *within
   says how many of the keys equal to *kth the first k take (>= 1). No sort and no process holds
   more than its own keys: PETSc has no parallel selection (PetscSortedInt... are local). */
static PetscErrorCode RadixSelect(MPI_Comm comm, uint64_t *key, PetscInt nk, PetscInt64 k, PetscBool largest, uint64_t *kth, PetscInt64 *within)
{
  uint64_t prefix = 0;

  PetscFunctionBegin;
  for (int shift = 56; shift >= 0; shift -= 8) {
    PetscInt64 h[256] = {0}, hg[256], cum = 0;
    int        b = largest ? 0 : 255;
    PetscInt   keep = 0;
    for (PetscInt c = 0; c < nk; c++) h[(key[c] >> shift) & 255]++;
    PetscCall(MPIU_Allreduce(h, hg, 256, MPIU_INT64, MPI_SUM, comm));
    for (int t = 0; t < 256; t++) {
      const int bt = largest ? 255 - t : t;
      if (cum + hg[bt] >= k) {
        b = bt;
        break;
      }
      cum += hg[bt];
    }
    k -= cum;
    prefix |= (uint64_t)b << shift;
    for (PetscInt c = 0; c < nk; c++)
      if (((key[c] >> shift) & 255) == (uint64_t)b) key[keep++] = key[c];
    nk = keep;
  }
  *kth    = prefix;
  *within = k;
  PetscFunctionReturn(0);
}

/* The bits of a value >= 0, ordered as the values */
static uint64_t ValueKey(PetscReal v)
{
  uint64_t u;
  double   d = (double)v + 0.0; /* -0 to +0; the bits of a double whatever PetscReal is */
  memcpy(&u, &d, sizeof(u));
  return u;
}

/* (global row, global column) of a candidate as one key ordered lexicographically */
static uint64_t PairKey(const GCVAELocal *loc, const Candidate *c)
{
  return (uint64_t)GCVAELocalGlobal(loc, c->i) * (uint64_t)loc->N + (uint64_t)GCVAELocalGlobal(loc, c->j);
}

/* The rule that picks the first `nextra` candidates of all processes in the order value
   descending, then global (row, column): *thr, *kt such that a candidate is picked when
   v > thr or (v == thr and PairKey <= kt). Only the owned rows' candidates are counted (each
   pair once: by the process owning its first row). nextra >= 1 and < their number. */
static PetscErrorCode SelectRule(const GCVAELocal *loc, const Candidate *cand, PetscInt ncand, PetscInt64 nextra, PetscReal *thr, uint64_t *kt)
{
  uint64_t  *key, tb = 0;
  PetscInt   nk = 0, nt = 0;
  PetscInt64 within = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(ncand, &key));
  for (PetscInt c = 0; c < ncand; c++)
    if (GCVAELocalOwns(loc, cand[c].i)) key[nk++] = ValueKey(cand[c].v);
  PetscCall(RadixSelect(loc->comm, key, nk, nextra, PETSC_TRUE, &tb, &within));
  {
    double d;
    memcpy(&d, &tb, sizeof(d));
    *thr = (PetscReal)d;
  }
  for (PetscInt c = 0; c < ncand; c++) /* the ties at the threshold: the first `within` by (row, column) */
    if (GCVAELocalOwns(loc, cand[c].i) && ValueKey(cand[c].v) == tb) key[nt++] = PairKey(loc, &cand[c]);
  PetscCall(RadixSelect(loc->comm, key, nt, within, PETSC_FALSE, kt, &within));
  PetscCall(PetscFree(key));
  PetscFunctionReturn(0);
}

/* Row i of |A~||A~| (abs) and of A~^2 (sgn) by Gustavson's dense accumulation over the sorted
   row i of A~, the k of a~_ik a~_kj in the order of the row given (MaskSquare: A~'s own, as in
   PETSc's MatMatMult, the same sums to the bit; the candidates: the global order, CanonicalRows). The columns touched are appended to cols[*nc]; acc arrays are zero outside them. */
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

/* Rows of A~ with their entries in the order of their global columns (NULL *cj, *cv when the
   local order is that order already): the sums of |A~||A~| then run in the same order on any
   number of processes and in any local order, so the ranking of its entries, ties included, is
   the same everywhere. */
static PetscErrorCode CanonicalRows(const GCVAELocal *loc, PetscInt n, const PetscInt *ai, const PetscInt *aj, const PetscScalar *av, PetscInt **cj, PetscScalar **cv)
{
  PetscBool monotone = PETSC_TRUE;
  PetscInt *key, *pos;

  PetscFunctionBegin;
  *cj = NULL;
  *cv = NULL;
  for (PetscInt i = 1; i < n && monotone; i++) monotone = (PetscBool)(GCVAELocalGlobal(loc, i) > GCVAELocalGlobal(loc, i - 1));
  if (monotone) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(ai[n], cj, ai[n], cv));
  PetscCall(PetscMalloc2(ai[n], &key, ai[n], &pos));
  for (PetscInt p = 0; p < ai[n]; p++) {
    key[p] = loc->gidx[aj[p]];
    pos[p] = p;
  }
  for (PetscInt i = 0; i < n; i++) PetscCall(PetscSortIntWithArray(ai[i + 1] - ai[i], key + ai[i], pos + ai[i]));
  for (PetscInt p = 0; p < ai[n]; p++) {
    (*cj)[p] = aj[pos[p]];
    (*cv)[p] = av[pos[p]];
  }
  PetscCall(PetscFree2(key, pos));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEMaskBuild(Mat At, PetscReal extra, Mat *M)
{
  GCVAELocal  loc;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)At), &size));
  PetscCheck(size == 1, PetscObjectComm((PetscObject)At), PETSC_ERR_SUP, "GCVAEMaskBuild is serial (MATSEQAIJ); a parallel matrix goes through GCVAEGenerate");
  PetscCall(GCVAELocalSerial(At, &loc));
  PetscCall(GCVAEMaskBuildLocal_Private(&loc, At, extra, M));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEMaskBuildLocal_Private(const GCVAELocal *loc, Mat At, PetscReal extra, Mat *M)
{
  PetscInt           n, ncand = 0, ccap, *nnzrow, *cols, nc, *cj;
  PetscInt64         nnzl = 0, nnzg, npairs, ncl = 0, ncg, nextra;
  const PetscInt    *ai, *aj, *sj;
  const PetscScalar *av, *sv;
  PetscScalar       *cv;
  PetscBool          done, *seen, all;
  PetscReal         *abs, *sgn, thr = 0;
  uint64_t           kt = 0;
  Candidate         *cand;

  PetscFunctionBegin;
  PetscCheck(extra >= 0 && extra <= 10, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Mask extra fraction %g must be in [0, 10]", (double)extra);
  PetscCheck((uint64_t)loc->N <= ((uint64_t)1 << 32), loc->comm, PETSC_ERR_SUP, "Mask: matrices of more than 2^32 rows are not supported (the pairs' ranking keys are row * N + column in 64 bits)");
  PetscCall(MatGetSize(At, &n, NULL));
  PetscCall(MatGetRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAEMaskBuild: cannot get the CSR of A~");
  PetscCall(MatSeqAIJGetArrayRead(At, &av));
  for (PetscInt i = 0; i < n; i++)
    if (GCVAELocalOwns(loc, i)) nnzl += ai[i + 1] - ai[i];
  PetscCall(MPIU_Allreduce(&nnzl, &nnzg, 1, MPIU_INT64, MPI_SUM, loc->comm));
  npairs = (PetscInt64)PetscFloorReal(0.5 * extra * (PetscReal)nnzg + 0.5);
  PetscCall(PetscCalloc4(n, &abs, n, &sgn, n, &seen, n, &cols));
  if (!npairs) { /* no extra pairs: the mask is pattern(A~), no candidates to rank */
    PetscCall(MatDuplicate(At, MAT_COPY_VALUES, M));
    PetscCall(MaskSquare(n, ai, aj, av, sgn, seen, cols, *M));
    PetscCall(MatSeqAIJRestoreArrayRead(At, &av));
    PetscCall(MatRestoreRowIJ(At, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
    PetscCall(PetscFree4(abs, sgn, seen, cols));
    PetscFunctionReturn(0);
  }
  PetscCall(CanonicalRows(loc, n, ai, aj, av, &cj, &cv));
  sj = cj ? cj : aj;
  sv = cv ? cv : av;
  /* candidates: (i, j) with global index of j > that of i, of |A~||A~| outside pattern(A~); rows
     of the square hold at most maxrow^2 entries, so the array grows by doubling (amortised
     O(nnz(A~^2))) */
  ccap = PetscMax(16, 2 * ai[n]);
  PetscCall(PetscMalloc1(ccap, &cand));
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt gi = GCVAELocalGlobal(loc, i);
    SquareRow(i, ai, sj, sv, abs, NULL, seen, cols, &nc);
    for (PetscInt p = ai[i]; p < ai[i + 1]; p++) seen[aj[p]] = PETSC_FALSE; /* pattern(A~): not candidates */
    for (PetscInt c = 0; c < nc; c++) {
      const PetscInt j = cols[c];
      if (seen[j] && GCVAELocalGlobal(loc, j) > gi) {
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
        if (GCVAELocalOwns(loc, i)) ncl++;
      }
      seen[j] = PETSC_FALSE;
      abs[j]  = 0;
    }
  }
  PetscCall(PetscFree2(cj, cv));
  PetscCall(MPIU_Allreduce(&ncl, &ncg, 1, MPIU_INT64, MPI_SUM, loc->comm));
  nextra = PetscMin(ncg, npairs);
  all    = (PetscBool)(nextra == ncg);
  if (!all) PetscCall(SelectRule(loc, cand, ncand, nextra, &thr, &kt));
  { /* the picked pairs to the front */
    PetscInt g = 0;
    for (PetscInt c = 0; c < ncand; c++)
      if (all || cand[c].v > thr || (cand[c].v == thr && PairKey(loc, &cand[c]) <= kt)) cand[g++] = cand[c];
    ncand = g;
  }
  PetscCall(PetscCalloc1(n, &nnzrow));
  for (PetscInt i = 0; i < n; i++) nnzrow[i] = ai[i + 1] - ai[i];
  for (PetscInt k = 0; k < ncand; k++) {
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
    for (PetscInt k = 0; k < ncand; k++) { /* then the extra pairs, zero */
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
