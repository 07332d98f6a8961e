/* Biharmonic family: lap(f lap u) = g on the unit square, u = 0 and lap u = 0 on the
   boundary (simply supported), continuous P2 Lagrange elements with the symmetric
   C0 interior-penalty terms on interior edges:

     a(u,v) = sum_T int_T f lap u lap v
            + sum_{interior e} int_e ( -{f lap u}[d_n v] - {f lap v}[d_n u] + (sigma f / h_e) [d_n u][d_n v] )

   [d_n w] = grad w+ . n+ + grad w- . n- (outward normals of the two cells), {.} the
   average. Boundary edges carry nothing: lap u = 0 is natural there, u = 0 is imposed
   by removing the boundary dofs (DMAddBoundary on the "marker" label).

   Only f changes between samples, so everything geometric (the Laplacians of the
   basis at the cell quadrature points, the normal derivatives of both cells' bases
   at the edge quadrature points, weights, points, global indices) is computed once
   per mesh and kept in a PetscContainer composed with the DM. f comes, as for
   Poisson, from the PetscDS constants. */
#include "family.h"

#define NB        6 /* P2 basis functions per triangle */
#define EDGE_QUAD 4 /* Gauss points per edge */

typedef struct {
  PetscReal sigma;      /* penalty */
  PetscInt  ncell, nq;  /* cells, cell quadrature points */
  PetscInt *cidx;       /* [ncell][NB] global indices (negative: boundary, dropped) */
  PetscReal *cx;        /* [ncell][nq][2] quadrature points */
  PetscReal *cw;        /* [ncell][nq] weight * |det J| */
  PetscReal *cphi;      /* [ncell][nq][NB] basis values */
  PetscReal *clap;      /* [ncell][nq][NB] basis Laplacians */
  PetscInt  nedge;      /* interior edges */
  PetscInt *eidx;       /* [nedge][2 NB] global indices of the two cells' closures */
  PetscReal *ex;        /* [nedge][EDGE_QUAD][2] */
  PetscReal *ew;        /* [nedge][EDGE_QUAD] weight * length */
  PetscReal *eh;        /* [nedge] length */
  PetscReal *edn;       /* [nedge][EDGE_QUAD][2 NB] contribution to the jump [d_n phi] */
  PetscReal *elap;      /* [nedge][EDGE_QUAD][2 NB] 0.5 * lap phi (the average, without f) */
} BiharmonicGeom;

static PetscErrorCode GeomDestroy(void *ctx)
{
  BiharmonicGeom *g = (BiharmonicGeom *)ctx;

  PetscFunctionBegin;
  PetscCall(PetscFree5(g->cidx, g->cx, g->cw, g->cphi, g->clap));
  PetscCall(PetscFree6(g->eidx, g->ex, g->ew, g->eh, g->edn, g->elap));
  PetscCall(PetscFree(g));
  PetscFunctionReturn(0);
}

static PetscErrorCode GeomGet(DM dm, BiharmonicGeom **g)
{
  PetscContainer c;

  PetscFunctionBegin;
  PetscCall(PetscObjectQuery((PetscObject)dm, "gcvae_biharmonic_geom", (PetscObject *)&c));
  PetscCheck(c, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONGSTATE, "DM was not set up with GCVAEBiharmonicSetUp");
  PetscCall(PetscContainerGetPointer(c, (void **)g));
  PetscFunctionReturn(0);
}

/* Physical gradient and Laplacian of the basis from reference derivatives:
   xi = invJ (x - v0) - 1, so d/dx_i = sum_a invJ[a][i] d/dxi_a. */
static void PhysicalDerivatives(PetscInt b, PetscInt p, PetscTabulation T, const PetscReal invJ[], PetscReal grad[], PetscReal *lap)
{
  const PetscReal *D1 = &T->T[1][(p * T->Nb + b) * 2];
  const PetscReal *D2 = &T->T[2][(p * T->Nb + b) * 4];

  grad[0] = invJ[0 * 2 + 0] * D1[0] + invJ[1 * 2 + 0] * D1[1];
  grad[1] = invJ[0 * 2 + 1] * D1[0] + invJ[1 * 2 + 1] * D1[1];
  if (lap) {
    PetscReal l = 0;
    for (PetscInt i = 0; i < 2; i++)
      for (PetscInt a = 0; a < 2; a++)
        for (PetscInt c = 0; c < 2; c++) l += invJ[a * 2 + i] * D2[a * 2 + c] * invJ[c * 2 + i];
    *lap = l;
  }
}

static void ToReference(const PetscReal v0[], const PetscReal invJ[], const PetscReal x[], PetscReal xi[])
{
  for (PetscInt a = 0; a < 2; a++) xi[a] = invJ[a * 2 + 0] * (x[0] - v0[0]) + invJ[a * 2 + 1] * (x[1] - v0[1]) - 1.0;
}

static PetscErrorCode GeomCreate(DM dm, PetscReal sigma, BiharmonicGeom **geom)
{
  BiharmonicGeom  *g;
  PetscFE          fe;
  PetscQuadrature  q;
  PetscTabulation  Tc;
  PetscSection     ls, gs;
  const PetscReal *qp, *qw;
  PetscInt         cStart, cEnd, fStart, fEnd, nq, nedge = 0;
  PetscReal        gx[EDGE_QUAD], gw[EDGE_QUAD];
  Vec              coords;
  PetscSection     csec;

  PetscFunctionBegin;
  PetscCall(PetscNew(&g));
  g->sigma = sigma;
  PetscCall(DMGetField(dm, 0, NULL, (PetscObject *)&fe));
  PetscCall(PetscFEGetQuadrature(fe, &q));
  PetscCall(PetscQuadratureGetData(q, NULL, NULL, &nq, &qp, &qw));
  PetscCall(PetscFECreateTabulation(fe, 1, nq, qp, 2, &Tc)); /* values, gradients, Hessians */
  PetscCheck(Tc->Nb == NB && Tc->Nc == 1 && Tc->cdim == 2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Expected a scalar P2 element on triangles");
  PetscCall(DMGetLocalSection(dm, &ls));
  PetscCall(DMGetGlobalSection(dm, &gs));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  for (PetscInt f = fStart; f < fEnd; f++) {
    PetscInt ns;
    PetscCall(DMPlexGetSupportSize(dm, f, &ns));
    if (ns == 2) nedge++;
  }
  g->ncell = cEnd - cStart;
  g->nq    = nq;
  g->nedge = nedge;
  PetscCall(PetscMalloc5(g->ncell * NB, &g->cidx, g->ncell * nq * 2, &g->cx, g->ncell * nq, &g->cw, g->ncell * nq * NB, &g->cphi, g->ncell * nq * NB, &g->clap));
  PetscCall(PetscMalloc6(nedge * 2 * NB, &g->eidx, nedge * EDGE_QUAD * 2, &g->ex, nedge * EDGE_QUAD, &g->ew, nedge, &g->eh, nedge * EDGE_QUAD * 2 * NB, &g->edn, nedge * EDGE_QUAD * 2 * NB, &g->elap));

  for (PetscInt c = cStart; c < cEnd; c++) {
    const PetscInt k = c - cStart;
    PetscReal      v0[2], J[4], invJ[4], detJ;
    PetscInt       nidx, *idx;

    PetscCall(DMPlexComputeCellGeometryAffineFEM(dm, c, v0, J, invJ, &detJ));
    PetscCall(DMPlexGetClosureIndices(dm, ls, gs, c, PETSC_TRUE, &nidx, &idx, NULL, NULL));
    PetscCheck(nidx == NB, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Cell closure has %" PetscInt_FMT " dofs, expected %d", nidx, NB);
    for (PetscInt b = 0; b < NB; b++) g->cidx[k * NB + b] = idx[b];
    PetscCall(DMPlexRestoreClosureIndices(dm, ls, gs, c, PETSC_TRUE, &nidx, &idx, NULL, NULL));
    for (PetscInt p = 0; p < nq; p++) {
      PetscReal *x = &g->cx[(k * nq + p) * 2];
      for (PetscInt i = 0; i < 2; i++) x[i] = v0[i] + J[i * 2 + 0] * (qp[p * 2 + 0] + 1) + J[i * 2 + 1] * (qp[p * 2 + 1] + 1);
      g->cw[k * nq + p] = qw[p] * PetscAbsReal(detJ);
      for (PetscInt b = 0; b < NB; b++) {
        PetscReal grad[2];
        g->cphi[(k * nq + p) * NB + b] = Tc->T[0][p * NB + b];
        PhysicalDerivatives(b, p, Tc, invJ, grad, &g->clap[(k * nq + p) * NB + b]);
      }
    }
  }

  PetscCall(PetscDTGaussQuadrature(EDGE_QUAD, 0.0, 1.0, gx, gw));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(DMGetCoordinateSection(dm, &csec));
  nedge = 0;
  for (PetscInt f = fStart; f < fEnd; f++) {
    const PetscInt *supp, *cone;
    PetscInt        ns, sz;
    PetscScalar    *xv = NULL;
    PetscReal       a[2], b[2], t[2], n[2], len, cen[2] = {0, 0};

    PetscCall(DMPlexGetSupportSize(dm, f, &ns));
    if (ns != 2) continue;
    PetscCall(DMPlexGetSupport(dm, f, &supp));
    PetscCall(DMPlexGetCone(dm, f, &cone));
    PetscCall(DMPlexVecGetClosure(dm, csec, coords, f, &sz, &xv));
    PetscCheck(sz == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Edge closure has %" PetscInt_FMT " coordinates, expected 4", sz);
    a[0] = PetscRealPart(xv[0]);
    a[1] = PetscRealPart(xv[1]);
    b[0] = PetscRealPart(xv[2]);
    b[1] = PetscRealPart(xv[3]);
    PetscCall(DMPlexVecRestoreClosure(dm, csec, coords, f, &sz, &xv));
    t[0] = b[0] - a[0];
    t[1] = b[1] - a[1];
    len  = PetscSqrtReal(t[0] * t[0] + t[1] * t[1]);
    n[0] = t[1] / len;
    n[1] = -t[0] / len;
    { /* outward for the first support cell: away from its centroid */
      PetscReal vol;
      PetscCall(DMPlexComputeCellGeometryFVM(dm, supp[0], &vol, cen, NULL));
      if (n[0] * (0.5 * (a[0] + b[0]) - cen[0]) + n[1] * (0.5 * (a[1] + b[1]) - cen[1]) < 0) {
        n[0] = -n[0];
        n[1] = -n[1];
      }
    }
    g->eh[nedge] = len;
    for (PetscInt q2 = 0; q2 < EDGE_QUAD; q2++) {
      PetscReal *x = &g->ex[(nedge * EDGE_QUAD + q2) * 2];
      x[0]                             = a[0] + gx[q2] * t[0];
      x[1]                             = a[1] + gx[q2] * t[1];
      g->ew[nedge * EDGE_QUAD + q2]    = gw[q2] * len;
    }
    for (PetscInt s = 0; s < 2; s++) {
      const PetscInt  c    = supp[s];
      const PetscReal sign = s == 0 ? 1.0 : -1.0; /* n- = -n+ */
      PetscReal       v0[2], J[4], invJ[4], detJ, xi[EDGE_QUAD * 2];
      PetscTabulation Te;
      PetscInt        nidx, *idx;

      PetscCall(DMPlexComputeCellGeometryAffineFEM(dm, c, v0, J, invJ, &detJ));
      for (PetscInt q2 = 0; q2 < EDGE_QUAD; q2++) ToReference(v0, invJ, &g->ex[(nedge * EDGE_QUAD + q2) * 2], &xi[q2 * 2]);
      PetscCall(PetscFECreateTabulation(fe, 1, EDGE_QUAD, xi, 2, &Te));
      for (PetscInt q2 = 0; q2 < EDGE_QUAD; q2++)
        for (PetscInt bb = 0; bb < NB; bb++) {
          PetscReal      grad[2], lap;
          const PetscInt at = (nedge * EDGE_QUAD + q2) * 2 * NB + s * NB + bb;
          PhysicalDerivatives(bb, q2, Te, invJ, grad, &lap);
          g->edn[at]  = sign * (grad[0] * n[0] + grad[1] * n[1]);
          g->elap[at] = 0.5 * lap;
        }
      PetscCall(PetscTabulationDestroy(&Te));
      PetscCall(DMPlexGetClosureIndices(dm, ls, gs, c, PETSC_TRUE, &nidx, &idx, NULL, NULL));
      for (PetscInt bb = 0; bb < NB; bb++) g->eidx[nedge * 2 * NB + s * NB + bb] = idx[bb];
      PetscCall(DMPlexRestoreClosureIndices(dm, ls, gs, c, PETSC_TRUE, &nidx, &idx, NULL, NULL));
    }
    nedge++;
  }
  PetscCall(PetscTabulationDestroy(&Tc));
  *geom = g;
  PetscFunctionReturn(0);
}

static PetscErrorCode Zero(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt Nc, PetscScalar u[], void *ctx)
{
  u[0] = 0;
  return 0;
}

PetscErrorCode GCVAEBiharmonicSetUp(DM dm, PetscInt degree, PetscReal sigma)
{
  PetscFE         fe;
  DMLabel         label;
  const PetscInt  id = 1;
  PetscReal       zero[GCVAE_COEFF_MAX_COUNT] = {0};
  BiharmonicGeom *g = NULL;
  PetscContainer  c;

  PetscFunctionBegin;
  PetscCheck(sigma > 0, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_OUTOFRANGE, "Penalty sigma %g must be > 0", (double)sigma);
  {
    /* the edge terms need both cells of every interior edge on one process: serial for now */
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)dm), &size));
    PetscCheck(size == 1, PetscObjectComm((PetscObject)dm), PETSC_ERR_SUP, "The biharmonic (C0 interior penalty) assembly runs on one process; got %d", (int)size);
  }
  /* P2 on simplices; quadrature of order 6 for f and the manufactured source */
  PetscCall(PetscFECreateLagrange(PetscObjectComm((PetscObject)dm), 2, 1, PETSC_TRUE, 2, 6, &fe));
  PetscCall(PetscObjectSetName((PetscObject)fe, "u"));
  PetscCall(DMSetField(dm, 0, NULL, (PetscObject)fe));
  PetscCall(PetscFEDestroy(&fe));
  PetscCall(DMCreateDS(dm));
  PetscCall(DMGetLabel(dm, "marker", &label));
  PetscCheck(label, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG, "DM has no 'marker' label: load it with GCVAEMeshLoad");
  PetscCall(DMAddBoundary(dm, DM_BC_ESSENTIAL, "wall", label, 1, &id, 0, 0, NULL, (void (*)(void))Zero, NULL, NULL, NULL));
  PetscCall(GCVAEFamilySetCoefficient(dm, degree, zero));
  PetscCall(GeomCreate(dm, sigma, &g));
  PetscCall(PetscContainerCreate(PETSC_COMM_SELF, &c));
  PetscCall(PetscContainerSetPointer(c, g));
  PetscCall(PetscContainerSetUserDestroy(c, GeomDestroy));
  PetscCall(PetscObjectCompose((PetscObject)dm, "gcvae_biharmonic_geom", (PetscObject)c));
  PetscCall(PetscContainerDestroy(&c));
  PetscFunctionReturn(0);
}

/* DMCreateMatrix preallocates closure(star) couplings only; the edge terms also
   couple the two cells across each interior edge. Preallocate from the same
   index sets the assembly uses. */
PetscErrorCode GCVAEBiharmonicCreateMatrix(DM dm, Mat *A)
{
  BiharmonicGeom *g;
  PetscSection    gs;
  PetscInt        nlocal;
  Mat             P;
  PetscScalar     zeros[2 * NB * 2 * NB] = {0};
  MPI_Comm        comm = PetscObjectComm((PetscObject)dm);

  PetscFunctionBegin;
  PetscCall(GeomGet(dm, &g));
  PetscCall(DMGetGlobalSection(dm, &gs));
  PetscCall(PetscSectionGetConstrainedStorageSize(gs, &nlocal));
  PetscCall(MatCreate(comm, &P));
  PetscCall(MatSetSizes(P, nlocal, nlocal, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(P, MATPREALLOCATOR));
  PetscCall(MatSetUp(P));
  for (PetscInt k = 0; k < g->ncell; k++) PetscCall(MatSetValues(P, NB, &g->cidx[k * NB], NB, &g->cidx[k * NB], zeros, INSERT_VALUES));
  for (PetscInt e = 0; e < g->nedge; e++) PetscCall(MatSetValues(P, 2 * NB, &g->eidx[e * 2 * NB], 2 * NB, &g->eidx[e * 2 * NB], zeros, INSERT_VALUES));
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreate(comm, A));
  PetscCall(MatSetSizes(*A, nlocal, nlocal, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(*A, MATAIJ));
  PetscCall(MatPreallocatorPreallocate(P, PETSC_TRUE, *A));
  PetscCall(MatDestroy(&P));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEBiharmonicAssemble(DM dm, Mat A)
{
  BiharmonicGeom    *g;
  PetscDS            ds;
  PetscInt           nc;
  const PetscScalar *constants;
  PetscScalar        Ke[2 * NB * 2 * NB];

  PetscFunctionBegin;
  PetscCall(GeomGet(dm, &g));
  PetscCall(DMGetDS(dm, &ds));
  PetscCall(PetscDSGetConstants(ds, &nc, &constants));
  PetscCall(MatZeroEntries(A));
  for (PetscInt k = 0; k < g->ncell; k++) {
    PetscCall(PetscArrayzero(Ke, NB * NB));
    for (PetscInt p = 0; p < g->nq; p++) {
      const PetscReal  w   = g->cw[k * g->nq + p] * GCVAECoeffEval(nc, constants, &g->cx[(k * g->nq + p) * 2], NULL, NULL);
      const PetscReal *lap = &g->clap[(k * g->nq + p) * NB];
      for (PetscInt i = 0; i < NB; i++)
        for (PetscInt j = 0; j < NB; j++) Ke[i * NB + j] += w * lap[i] * lap[j];
    }
    PetscCall(MatSetValues(A, NB, &g->cidx[k * NB], NB, &g->cidx[k * NB], Ke, ADD_VALUES));
  }
  for (PetscInt e = 0; e < g->nedge; e++) {
    PetscCall(PetscArrayzero(Ke, 4 * NB * NB));
    for (PetscInt q = 0; q < EDGE_QUAD; q++) {
      const PetscReal  f   = GCVAECoeffEval(nc, constants, &g->ex[(e * EDGE_QUAD + q) * 2], NULL, NULL);
      const PetscReal  w   = g->ew[e * EDGE_QUAD + q];
      const PetscReal  pen = g->sigma * f / g->eh[e];
      const PetscReal *dn  = &g->edn[(e * EDGE_QUAD + q) * 2 * NB];
      const PetscReal *avg = &g->elap[(e * EDGE_QUAD + q) * 2 * NB];
      for (PetscInt i = 0; i < 2 * NB; i++)
        for (PetscInt j = 0; j < 2 * NB; j++) Ke[i * 2 * NB + j] += w * (-f * avg[j] * dn[i] - f * avg[i] * dn[j] + pen * dn[i] * dn[j]);
    }
    PetscCall(MatSetValues(A, 2 * NB, &g->eidx[e * 2 * NB], 2 * NB, &g->eidx[e * 2 * NB], Ke, ADD_VALUES));
  }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* u = sin(pi x) sin(pi y): lap u = -2 pi^2 u, and with f = exp(p)
   g = lap(f lap u) = -2 pi^2 f [ (lap p + |grad p|^2 - 2 pi^2) u + 2 grad p . grad u ] */
static PetscReal Source(PetscInt nc, const PetscScalar constants[], const PetscReal x[])
{
  PetscReal       gp[2], lp;
  const PetscReal f  = GCVAECoeffEval(nc, constants, x, gp, &lp);
  const PetscReal s0 = PetscSinReal(PETSC_PI * x[0]), s1 = PetscSinReal(PETSC_PI * x[1]);
  const PetscReal u = s0 * s1, ux = PETSC_PI * PetscCosReal(PETSC_PI * x[0]) * s1, uy = PETSC_PI * s0 * PetscCosReal(PETSC_PI * x[1]);

  return -2 * PETSC_PI * PETSC_PI * f * ((lp + gp[0] * gp[0] + gp[1] * gp[1] - 2 * PETSC_PI * PETSC_PI) * u + 2 * (gp[0] * ux + gp[1] * uy));
}

PetscErrorCode GCVAEBiharmonicManufacturedRHS(DM dm, Vec b)
{
  BiharmonicGeom    *g;
  PetscDS            ds;
  PetscInt           nc;
  const PetscScalar *constants;
  PetscScalar        be[NB];

  PetscFunctionBegin;
  PetscCall(GeomGet(dm, &g));
  PetscCall(DMGetDS(dm, &ds));
  PetscCall(PetscDSGetConstants(ds, &nc, &constants));
  PetscCall(VecSet(b, 0));
  PetscCall(VecSetOption(b, VEC_IGNORE_NEGATIVE_INDICES, PETSC_TRUE)); /* boundary dofs */
  for (PetscInt k = 0; k < g->ncell; k++) {
    PetscCall(PetscArrayzero(be, NB));
    for (PetscInt p = 0; p < g->nq; p++) {
      const PetscReal w = g->cw[k * g->nq + p] * Source(nc, constants, &g->cx[(k * g->nq + p) * 2]);
      for (PetscInt i = 0; i < NB; i++) be[i] += w * g->cphi[(k * g->nq + p) * NB + i];
    }
    PetscCall(VecSetValues(b, NB, &g->cidx[k * NB], be, ADD_VALUES));
  }
  PetscCall(VecAssemblyBegin(b));
  PetscCall(VecAssemblyEnd(b));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEBiharmonicErrors(DM dm, Vec u, PetscReal *l2, PetscReal *h2)
{
  PetscFE         fe;
  PetscTabulation T;
  PetscQuadrature q;
  const PetscReal *qp, *qw;
  PetscInt        nq, cStart, cEnd;
  Vec             ul;
  PetscReal       e0 = 0, e2 = 0;

  PetscFunctionBegin;
  PetscCall(DMGetField(dm, 0, NULL, (PetscObject *)&fe));
  PetscCall(PetscFEGetQuadrature(fe, &q));
  PetscCall(PetscQuadratureGetData(q, NULL, NULL, &nq, &qp, &qw));
  PetscCall(PetscFECreateTabulation(fe, 1, nq, qp, 2, &T));
  PetscCall(DMGetLocalVector(dm, &ul));
  PetscCall(VecSet(ul, 0)); /* boundary dofs: u = 0 */
  PetscCall(DMGlobalToLocal(dm, u, INSERT_VALUES, ul));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  for (PetscInt c = cStart; c < cEnd; c++) {
    PetscReal    v0[2], J[4], invJ[4], detJ;
    PetscScalar *uc = NULL;
    PetscInt     sz;
    PetscCall(DMPlexComputeCellGeometryAffineFEM(dm, c, v0, J, invJ, &detJ));
    PetscCall(DMPlexVecGetClosure(dm, NULL, ul, c, &sz, &uc));
    for (PetscInt p = 0; p < nq; p++) {
      PetscReal x[2], uh = 0, H[4] = {0, 0, 0, 0};
      for (PetscInt i = 0; i < 2; i++) x[i] = v0[i] + J[i * 2 + 0] * (qp[p * 2 + 0] + 1) + J[i * 2 + 1] * (qp[p * 2 + 1] + 1);
      for (PetscInt b = 0; b < NB; b++) {
        const PetscReal *D2 = &T->T[2][(p * NB + b) * 4];
        uh += PetscRealPart(uc[b]) * T->T[0][p * NB + b];
        for (PetscInt i = 0; i < 2; i++)
          for (PetscInt j = 0; j < 2; j++)
            for (PetscInt a = 0; a < 2; a++)
              for (PetscInt d = 0; d < 2; d++) H[i * 2 + j] += PetscRealPart(uc[b]) * invJ[a * 2 + i] * D2[a * 2 + d] * invJ[d * 2 + j];
      }
      {
        const PetscReal s0 = PetscSinReal(PETSC_PI * x[0]), s1 = PetscSinReal(PETSC_PI * x[1]);
        const PetscReal c0 = PetscCosReal(PETSC_PI * x[0]), c1 = PetscCosReal(PETSC_PI * x[1]);
        const PetscReal pi2 = PETSC_PI * PETSC_PI;
        const PetscReal He[4] = {-pi2 * s0 * s1, pi2 * c0 * c1, pi2 * c0 * c1, -pi2 * s0 * s1};
        const PetscReal w     = qw[p] * PetscAbsReal(detJ);
        e0 += w * PetscSqr(uh - s0 * s1);
        for (PetscInt i = 0; i < 4; i++) e2 += w * PetscSqr(H[i] - He[i]);
      }
    }
    PetscCall(DMPlexVecRestoreClosure(dm, NULL, ul, c, &sz, &uc));
  }
  PetscCall(DMRestoreLocalVector(dm, &ul));
  PetscCall(PetscTabulationDestroy(&T));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &e0, 1, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject)dm)));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &e2, 1, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject)dm)));
  *l2 = PetscSqrtReal(e0);
  *h2 = PetscSqrtReal(e2);
  PetscFunctionReturn(0);
}
