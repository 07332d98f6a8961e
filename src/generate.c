/* From a PETSc Mat to the factor R of M^{-1} = R R^T with a trained model:
   A -> A~ = D^{-1/2} A D^{-1/2} -> mask -> GCVAE -> r~ on the mask -> R = D^{-1/2} R~,
   on one process or many. On many, each process runs the pipeline on its rows and a halo
   (src/local.c) deep enough that its rows of R are the ones one process would make
   (GCVAEHaloDepth), and keeps those rows: R is assembled straight into A's layout. */
#include "localimpl.h"

struct _n_GCVAEGenerator {
  GCVAEModel model;
  Mat        A;   /* the matrix: R's layout */
  GCVAELocal loc; /* this process's piece of it */
  Mat        M;   /* the mask on the piece */
  Vec        d;   /* D^{-1/2} on the piece */
  GCVAEInput in;  /* what the network reads */
};

PetscErrorCode GCVAELatentDraw(PetscRandom rnd, PetscInt k, nnreal eps[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < k; i++) { /* Box-Muller */
    PetscReal u1, u2;
    PetscCall(PetscRandomGetValueReal(rnd, &u1));
    PetscCall(PetscRandomGetValueReal(rnd, &u2));
    eps[i] = (nnreal)(PetscSqrtReal(-2 * PetscLogReal(1 - u1)) * PetscCosReal(2 * PETSC_PI * u2));
  }
  PetscFunctionReturn(0);
}

/* R (layout: m local rows and mc local columns of an N x N matrix on loc->comm) from the values
   r of the piece's mask M: the owned rows i, R_ij = d_i r_ij in global columns, without the
   entries below droptol times the largest |entry| of their row (the diagonal always stays:
   every nonzero of R is read twice per CG iteration, and the smallest buy the least). */
static PetscErrorCode FactorAssemble(const GCVAELocal *loc, PetscInt m, PetscInt mc, Mat M, const nnreal r[], Vec dinvsqrt, PetscReal droptol, Mat *R)
{
  const PetscInt    *mi, *mj;
  const PetscScalar *d;
  PetscInt           n, rstart = 0, *g2l, *ni, *nj, keep = 0, bad = PETSC_MAX_INT, badg;
  PetscScalar       *nv;
  PetscBool          done;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  PetscCall(VecGetArrayRead(dinvsqrt, &d));
  PetscCallMPI(MPI_Exscan(&m, &rstart, 1, MPIU_INT, MPI_SUM, loc->comm));
  {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(loc->comm, &rank));
    if (!rank) rstart = 0; /* MPI_Exscan leaves rank 0's undefined */
  }
  PetscCall(PetscMalloc1(m, &g2l));
  for (PetscInt i = 0; i < n; i++)
    if (GCVAELocalOwns(loc, i)) g2l[GCVAELocalGlobal(loc, i) - rstart] = i;
  for (PetscInt g = 0; g < m && bad == PETSC_MAX_INT; g++) {
    const PetscInt i = g2l[g];
    for (PetscInt k = mi[i]; k < mi[i + 1]; k++)
      if (!(PetscIsNormalReal((PetscReal)r[k]) || r[k] == 0)) bad = rstart + g;
  }
  PetscCall(MPIU_Allreduce(&bad, &badg, 1, MPIU_INT, MPI_MIN, loc->comm)); /* the first bad row */
  if (badg != PETSC_MAX_INT) {
    PetscCall(PetscFree(g2l));
    PetscCall(VecRestoreArrayRead(dinvsqrt, &d));
    PetscCall(MatRestoreRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
    SETERRQ(loc->comm, PETSC_ERR_FP, "The network produced a non-finite entry of R (row %" PetscInt_FMT ")", badg);
  }
  PetscCall(PetscMalloc1(m + 1, &ni));
  ni[0] = 0;
  for (PetscInt g = 0; g < m; g++) ni[g + 1] = ni[g] + mi[g2l[g] + 1] - mi[g2l[g]];
  PetscCall(PetscMalloc2(ni[m], &nj, ni[m], &nv));
  for (PetscInt g = 0; g < m; g++) {
    const PetscInt i = g2l[g], start = keep;
    PetscReal      rmax = 0;
    for (PetscInt k = mi[i]; k < mi[i + 1]; k++) rmax = PetscMax(rmax, PetscAbsScalar((PetscScalar)r[k] * d[i]));
    for (PetscInt k = mi[i]; k < mi[i + 1]; k++) {
      const PetscScalar v = (PetscScalar)r[k] * d[i];
      if (mj[k] == i || droptol <= 0 || PetscAbsScalar(v) >= droptol * rmax) {
        nj[keep]   = GCVAELocalGlobal(loc, mj[k]);
        nv[keep++] = v;
      }
    }
    ni[g] = start;
    PetscCall(PetscSortIntWithScalarArray(keep - start, nj + start, nv + start));
  }
  ni[m] = keep;
  PetscCall(PetscFree(g2l));
  PetscCall(VecRestoreArrayRead(dinvsqrt, &d));
  PetscCall(MatRestoreRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &mi, &mj, &done));
  PetscCall(MatCreate(loc->comm, R));
  PetscCall(MatSetSizes(*R, m, mc, loc->N, loc->N));
  PetscCall(MatSetType(*R, MATAIJ));
  PetscCall(MatSeqAIJSetPreallocationCSR(*R, ni, nj, nv)); /* the one of the two for R's type */
  PetscCall(MatMPIAIJSetPreallocationCSR(*R, ni, nj, nv));
  PetscCall(PetscFree(ni));
  PetscCall(PetscFree2(nj, nv));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEFactorFromValues(Mat M, const nnreal r[], Vec dinvsqrt, Mat *R)
{
  GCVAELocal loc;

  PetscFunctionBegin;
  PetscCall(GCVAELocalSerial(M, &loc));
  PetscCall(FactorAssemble(&loc, loc.n, loc.n, M, r, dinvsqrt, 0, R));
  PetscFunctionReturn(0);
}

/* Hops of A's graph that the owned rows' R depends on, counted layer by layer: a quantity of
   node v is exact when v lies within that many hops of the owned rows. Rows of the piece are
   complete up to depth - 1 hops (node features, GATv2's rows); the mask's features ((A~^2)_ij)
   and its extra entries (the pair (j, v) ranked in row j, two hops on) need depth - 2 and
   depth - 4; each GATv2 layer costs a hop, each edge layer the mask's reach m (1, or 2 with
   extra entries) on top; the decoder reads h_i and h_j, m apart. */
PetscInt GCVAEHaloDepth(const GCVAEModelHeader *h, PetscReal extra)
{
  const PetscInt m = extra > 0 ? 2 : 1, G = h->gat_layers, K = h->decoder == GCVAE_DECODER_GRAPH ? h->edge_layers : 0;

  for (PetscInt D = 1;; D++) {
    const PetscInt mr = D - (extra > 0 ? 4 : 2);
    PetscInt       rh = D - 1, re = mr;
    for (PetscInt l = 0; l < G; l++) {
      rh--;
      if (l >= G - K) { /* the edge layer after GATv2 layer l */
        re = PetscMin(PetscMin(re, mr), rh - m);
        rh = PetscMin(rh, re);
      }
    }
    if (mr >= 0 && rh >= m && re >= 0) return D;
  }
}

/* -log_view events of the stages of the generation */
static PetscLogEvent GCVAE_Local, GCVAE_Scale, GCVAE_Mask, GCVAE_Input, GCVAE_Forward, GCVAE_Factor;

static PetscErrorCode GenerateRegisterEvents(void)
{
  PetscFunctionBegin;
  if (GCVAE_Scale) PetscFunctionReturn(0);
  PetscCall(PetscLogEventRegister("GCVAELocal", MAT_CLASSID, &GCVAE_Local));
  PetscCall(PetscLogEventRegister("GCVAEScale", MAT_CLASSID, &GCVAE_Scale));
  PetscCall(PetscLogEventRegister("GCVAEMask", MAT_CLASSID, &GCVAE_Mask));
  PetscCall(PetscLogEventRegister("GCVAEInput", MAT_CLASSID, &GCVAE_Input));
  PetscCall(PetscLogEventRegister("GCVAEForward", MAT_CLASSID, &GCVAE_Forward));
  PetscCall(PetscLogEventRegister("GCVAEFactor", MAT_CLASSID, &GCVAE_Factor));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEGeneratorCreate(GCVAEModel model, Mat A, PetscReal extra, PetscBool reorder, PetscInt depth, GCVAEGenerator *gen)
{
  GCVAEModelHeader *hdr;
  GCVAEGenerator    g;
  MPI_Comm          comm = PetscObjectComm((PetscObject)A);
  PetscMPIInt       size;
  Mat               At;

  PetscFunctionBegin;
  PetscCheck(model, comm, PETSC_ERR_ARG_NULL, "%s: argument model is NULL", PETSC_FUNCTION_NAME);
  PetscCall(GCVAEModelGetHeader(model, &hdr));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(hdr->decoder == GCVAE_DECODER_GRAPH || size == 1, comm, PETSC_ERR_SUP, "The model has a cnn decoder, which generates the image of the whole n x n matrix at once: it runs on one process (here %d); a graph-decoder model (models/poisson.bin, models/biharmonic.bin) runs on any number", (int)size);
  PetscCall(GCVAECheckMatrix(A)); /* on the whole matrix: errors name its rows */
  if (extra < 0) extra = hdr->mask_extra;
  PetscCheck(extra >= 0 && extra <= 10, comm, PETSC_ERR_ARG_OUTOFRANGE, "Mask extra fraction %g must be in [0, 10]", (double)extra);
  PetscCall(GenerateRegisterEvents());
  PetscCall(PetscNew(&g));
  g->model = model;
  PetscCall(PetscObjectReference((PetscObject)A));
  g->A = A;
  PetscCall(PetscLogEventBegin(GCVAE_Local, A, 0, 0, 0));
  PetscCall(GCVAELocalCreate(A, size == 1 ? 0 : depth >= 0 ? depth : GCVAEHaloDepth(hdr, extra), !reorder ? GCVAE_LOCAL_ORDER_GIVEN : hdr->decoder == GCVAE_DECODER_CNN ? GCVAE_LOCAL_ORDER_RCM : GCVAE_LOCAL_ORDER_UNLESS_BANDED, &g->loc));
  PetscCall(PetscLogEventEnd(GCVAE_Local, A, 0, 0, 0));
  PetscCall(PetscLogEventBegin(GCVAE_Scale, A, 0, 0, 0));
  PetscCall(GCVAEScale_Private(g->loc.A, &At, &g->d));
  PetscCall(PetscLogEventEnd(GCVAE_Scale, A, 0, 0, 0));
  PetscCall(PetscLogEventBegin(GCVAE_Mask, A, 0, 0, 0));
  PetscCall(GCVAEMaskBuildLocal_Private(&g->loc, At, extra, &g->M));
  PetscCall(PetscLogEventEnd(GCVAE_Mask, A, 0, 0, 0));
  PetscCall(PetscLogEventBegin(GCVAE_Input, A, 0, 0, 0));
  PetscCall(GCVAEInputCreateLocal_Private(&g->loc, At, g->M, &g->in));
  PetscCall(PetscLogEventEnd(GCVAE_Input, A, 0, 0, 0));
  PetscCall(MatDestroy(&At));
  *gen = g;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEGeneratorGetSizes(GCVAEGenerator g, PetscInt *depth, PetscInt *nlocal, PetscInt *nnzlocal, PetscBool *reordered)
{
  PetscFunctionBegin;
  if (reordered) *reordered = g->loc.reordered;
  if (depth) *depth = g->loc.depth;
  if (nlocal) *nlocal = g->loc.n;
  if (nnzlocal) {
    MatInfo info;
    PetscCall(MatGetInfo(g->loc.A, MAT_LOCAL, &info));
    *nnzlocal = (PetscInt)info.nz_used;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEGeneratorApply(GCVAEGenerator g, GCVAELatentMode mode, const nnreal eps[], GCVAEForwardFn forward, PetscReal droptol, Mat *R)
{
  PetscInt m, mc, mnnz;
  nnreal  *r;

  PetscFunctionBegin;
  PetscCheck(mode == GCVAE_LATENT_MEAN || mode == GCVAE_LATENT_SAMPLE, PetscObjectComm((PetscObject)g->A), PETSC_ERR_ARG_WRONG, "Generation is inference: use GCVAE_LATENT_MEAN or GCVAE_LATENT_SAMPLE");
  PetscCall(GCVAEInputGetSizes(g->in, NULL, &mnnz));
  PetscCall(PetscMalloc1(mnnz, &r));
  PetscCall(PetscLogEventBegin(GCVAE_Forward, g->A, 0, 0, 0));
  if (mnnz) PetscCall(forward(g->model, g->in, mode, eps, r)); /* 0: a process that owns no rows */
  PetscCall(PetscLogEventEnd(GCVAE_Forward, g->A, 0, 0, 0));
  PetscCall(PetscLogEventBegin(GCVAE_Factor, g->A, 0, 0, 0));
  PetscCall(MatGetLocalSize(g->A, &m, &mc));
  PetscCall(FactorAssemble(&g->loc, m, mc, g->M, r, g->d, droptol, R));
  PetscCall(PetscLogEventEnd(GCVAE_Factor, g->A, 0, 0, 0));
  PetscCall(PetscFree(r));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEGeneratorDestroy(GCVAEGenerator *gen)
{
  GCVAEGenerator g;

  PetscFunctionBegin;
  if (!gen || !*gen) PetscFunctionReturn(0);
  g = *gen;
  PetscCall(GCVAEInputDestroy(&g->in));
  PetscCall(MatDestroy(&g->M));
  PetscCall(VecDestroy(&g->d));
  PetscCall(GCVAELocalDestroy(&g->loc));
  PetscCall(MatDestroy(&g->A));
  PetscCall(PetscFree(*gen));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEGenerate(GCVAEModel model, Mat A, PetscReal extra, GCVAELatentMode mode, const nnreal eps[], PetscBool reorder, Mat *R)
{
  GCVAEGenerator g;

  PetscFunctionBegin;
  PetscCheck(mode != GCVAE_LATENT_TRAIN, PetscObjectComm((PetscObject)A), PETSC_ERR_ARG_WRONG, "GCVAEGenerate is inference: use GCVAE_LATENT_MEAN or GCVAE_LATENT_SAMPLE");
  PetscCall(GCVAEGeneratorCreate(model, A, extra, reorder, -1, &g));
  PetscCall(GCVAEGeneratorApply(g, mode, eps, GCVAEModelInfer, 0, R));
  PetscCall(GCVAEGeneratorDestroy(&g));
  PetscFunctionReturn(0);
}
