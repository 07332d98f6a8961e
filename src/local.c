/* The piece of a parallel matrix one process generates R on: its own rows plus a halo of
   `depth` hops, taken once with MatIncreaseOverlap and MatCreateSubMatrices (PETSc's ASM takes
   its overlapping subdomains the same way). Why a halo and not a ghost exchange per layer: the
   whole pipeline (scaling, mask, features, every GATv2 and edge layer, the decoder) then runs
   unchanged on a sequential matrix, on the CPU or the device, with one communication round per
   hop at the start; the price is the halo's rows computed again by their neighbours, which
   tutorials/bench_mpi.sh measures (halo rows per owned row against the number of processes). */
#include "localimpl.h"

/* Every row of the sequential A within GCVAE_BAND columns of its diagonal: the network's gathers
   of neighbour states (64 B each at width 16) then stay within ~0.5 MB of the row's own, in cache,
   and RCM would buy nothing (a DMDA's, a mesh numbered by RCM or by a space-filling curve). A mesh
   generator's numbering has rows spanning most of the matrix. */
#define GCVAE_BAND 8192
static PetscErrorCode IsBanded(Mat A, PetscBool *banded)
{
  const PetscInt *ai, *aj;
  PetscInt        n;
  PetscBool       done;

  PetscFunctionBegin;
  *banded = PETSC_TRUE;
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  if (!done) { /* no CSR to look at: reorder */
    *banded = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  for (PetscInt i = 0; i < n && *banded; i++)
    if (ai[i + 1] > ai[i] && (i - aj[ai[i]] > GCVAE_BAND || aj[ai[i + 1] - 1] - i > GCVAE_BAND)) *banded = PETSC_FALSE;
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &done));
  PetscFunctionReturn(0);
}

/* The owned rows and every row within depth hops of them, sorted. A path out of the owned rows
   leaves them through a boundary row (one with columns owned elsewhere), so the rows outside
   within depth hops are those within depth hops of the boundary rows: MatIncreaseOverlap grows
   the boundary (a few per cent of the rows) instead of all owned rows, each hop. */
static PetscErrorCode HaloRows(Mat A, PetscInt depth, IS *is)
{
  Mat             Ad, Ao;
  const PetscInt *garray, *oi, *oj;
  PetscInt        rstart, rend, m, nb = 0, *rows;
  PetscBool       done, ismpiaij;
  IS              own, bnd;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  m = rend - rstart;
  PetscCall(ISCreateStride(PETSC_COMM_SELF, m, rstart, 1, &own));
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)A, MATMPIAIJ, &ismpiaij));
  if (!ismpiaij || !depth) { /* any other parallel AIJ: grow all owned rows */
    PetscCall(MatIncreaseOverlap(A, 1, &own, depth));
    PetscCall(ISSort(own));
    *is = own;
    PetscFunctionReturn(0);
  }
  PetscCall(MatMPIAIJGetSeqAIJ(A, &Ad, &Ao, &garray));
  PetscCall(MatGetRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &m, &oi, &oj, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAELocalCreate: cannot get the CSR of the off-process block");
  PetscCall(PetscMalloc1(m, &rows));
  for (PetscInt i = 0; i < m; i++)
    if (oi[i + 1] > oi[i]) rows[nb++] = rstart + i;
  PetscCall(MatRestoreRowIJ(Ao, 0, PETSC_FALSE, PETSC_FALSE, &m, &oi, &oj, &done));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nb, rows, PETSC_OWN_POINTER, &bnd));
  PetscCall(MatIncreaseOverlap(A, 1, &bnd, depth)); /* collective: every process calls it */
  PetscCall(ISExpand(own, bnd, is));
  PetscCall(ISSort(*is));
  PetscCall(ISDestroy(&own));
  PetscCall(ISDestroy(&bnd));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAELocalCreate(Mat A, PetscInt depth, GCVAELocalOrder order, GCVAELocal *loc)
{
  PetscBool   reorder = (PetscBool)(order != GCVAE_LOCAL_ORDER_GIVEN);
  PetscMPIInt size;
  PetscInt    rstart, rend;
  Mat         sub;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(loc, sizeof(*loc)));
  loc->comm = PetscObjectComm((PetscObject)A);
  PetscCallMPI(MPI_Comm_size(loc->comm, &size));
  PetscCall(MatGetSize(A, &loc->N, NULL));
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  if (size == 1) {
    PetscCall(PetscObjectReference((PetscObject)A));
    sub    = A;
    loc->n = loc->N;
  } else {
    IS              is;
    Mat            *subs;
    const PetscInt *idx;
    PetscCall(HaloRows(A, depth, &is));
    PetscCall(MatCreateSubMatrices(A, 1, &is, &is, MAT_INITIAL_MATRIX, &subs));
    sub = subs[0];
    PetscCall(PetscObjectReference((PetscObject)sub));
    PetscCall(MatDestroySubMatrices(1, &subs));
    PetscCall(ISGetLocalSize(is, &loc->n));
    PetscCall(ISGetIndices(is, &idx));
    PetscCall(PetscMalloc1(loc->n, &loc->gidx));
    PetscCall(PetscMalloc1(loc->n, &loc->owned));
    for (PetscInt i = 0; i < loc->n; i++) {
      loc->gidx[i]  = idx[i];
      loc->owned[i] = (PetscBool)(idx[i] >= rstart && idx[i] < rend);
    }
    PetscCall(ISRestoreIndices(is, &idx));
    PetscCall(ISDestroy(&is));
    loc->depth = depth;
  }
  if (order == GCVAE_LOCAL_ORDER_UNLESS_BANDED) {
    PetscBool banded;
    PetscCall(IsBanded(sub, &banded));
    reorder = (PetscBool)!banded;
  }
  loc->reordered = reorder;
  if (reorder) { /* row k of P sub P^T is row perm[k] of sub */
    IS              rperm, cperm;
    const PetscInt *perm;
    PetscInt       *g;
    PetscCall(MatGetOrdering(sub, MATORDERINGRCM, &rperm, &cperm));
    PetscCall(MatPermute(sub, rperm, cperm, &loc->A));
    PetscCall(ISGetIndices(rperm, &perm));
    PetscCall(PetscMalloc1(loc->n, &g));
    for (PetscInt k = 0; k < loc->n; k++) g[k] = loc->gidx ? loc->gidx[perm[k]] : perm[k];
    if (loc->owned) {
      PetscBool *o;
      PetscCall(PetscMalloc1(loc->n, &o));
      for (PetscInt k = 0; k < loc->n; k++) o[k] = loc->owned[perm[k]];
      PetscCall(PetscFree(loc->owned));
      loc->owned = o;
    }
    PetscCall(ISRestoreIndices(rperm, &perm));
    PetscCall(PetscFree(loc->gidx));
    loc->gidx = g;
    PetscCall(ISDestroy(&rperm));
    PetscCall(ISDestroy(&cperm));
    PetscCall(MatDestroy(&sub));
  } else loc->A = sub;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAELocalSerial(Mat A, GCVAELocal *loc)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(loc, sizeof(*loc)));
  loc->comm = PETSC_COMM_SELF;
  loc->A    = A;
  PetscCall(MatGetSize(A, &loc->n, &loc->N));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAELocalDestroy(GCVAELocal *loc)
{
  PetscFunctionBegin;
  PetscCall(MatDestroy(&loc->A));
  PetscCall(PetscFree(loc->gidx));
  PetscCall(PetscFree(loc->owned));
  PetscFunctionReturn(0);
}
