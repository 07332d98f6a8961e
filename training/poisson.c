/* P1 Poisson family: -div(f grad u) = g on the unit square, u = 0 on the boundary,
   through DMPlex + PetscFE + PetscDS. f = exp(p), p's monomial coefficients in the
   PetscDS constants: constants[0] = degree, constants[1..] = coefficients. */
#include "family.h"

/* u = sin(pi x) sin(pi y) and g = -div(f grad u) = f (2 pi^2 u - grad p . grad u) */
PetscErrorCode GCVAEPoissonExact(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt Nc, PetscScalar u[], void *ctx)
{
  u[0] = PetscSinReal(PETSC_PI * x[0]) * PetscSinReal(PETSC_PI * x[1]);
  return 0;
}

static void f0_source(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar f0[])
{
  PetscReal       gp[2];
  const PetscReal f  = GCVAECoeffEval(numConstants, constants, x, gp, NULL);
  const PetscReal s0 = PetscSinReal(PETSC_PI * x[0]), s1 = PetscSinReal(PETSC_PI * x[1]);
  const PetscReal ue = s0 * s1;
  const PetscReal ux = PETSC_PI * PetscCosReal(PETSC_PI * x[0]) * s1, uy = PETSC_PI * s0 * PetscCosReal(PETSC_PI * x[1]);

  f0[0] = -f * (2 * PETSC_PI * PETSC_PI * ue - (gp[0] * ux + gp[1] * uy));
}

static void f0_zero(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar f0[])
{
  f0[0] = 0;
}

static void f1_u(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar f1[])
{
  const PetscReal f = GCVAECoeffEval(numConstants, constants, x, NULL, NULL);

  for (PetscInt d = 0; d < dim; d++) f1[d] = f * u_x[d];
}

static void g3_uu(PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt uOff[], const PetscInt uOff_x[], const PetscScalar u[], const PetscScalar u_t[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar a_t[], const PetscScalar a_x[], PetscReal t, PetscReal u_tShift, const PetscReal x[], PetscInt numConstants, const PetscScalar constants[], PetscScalar g3[])
{
  const PetscReal f = GCVAECoeffEval(numConstants, constants, x, NULL, NULL);

  for (PetscInt d = 0; d < dim; d++) g3[d * dim + d] = f;
}

static PetscErrorCode Zero(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt Nc, PetscScalar u[], void *ctx)
{
  u[0] = 0;
  return 0;
}

PetscErrorCode GCVAEPoissonSetUp(DM dm, PetscInt degree, PetscBool source)
{
  PetscFE        fe;
  PetscDS        ds;
  DMLabel        label;
  const PetscInt id = 1;
  PetscReal      zero[GCVAE_COEFF_MAX_COUNT] = {0};

  PetscFunctionBegin;
  /* P1 on simplices; quadrature of order 3 for the variable coefficient */
  PetscCall(PetscFECreateLagrange(PetscObjectComm((PetscObject)dm), 2, 1, PETSC_TRUE, 1, 3, &fe));
  PetscCall(PetscObjectSetName((PetscObject)fe, "u"));
  PetscCall(DMSetField(dm, 0, NULL, (PetscObject)fe));
  PetscCall(PetscFEDestroy(&fe));
  PetscCall(DMCreateDS(dm));
  PetscCall(DMGetDS(dm, &ds));
  PetscCall(PetscDSSetResidual(ds, 0, source ? f0_source : f0_zero, f1_u));
  PetscCall(PetscDSSetJacobian(ds, 0, 0, NULL, NULL, NULL, g3_uu));
  if (source) PetscCall(PetscDSSetExactSolution(ds, 0, GCVAEPoissonExact, NULL));
  PetscCall(DMGetLabel(dm, "marker", &label));
  PetscCheck(label, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG, "DM has no 'marker' label: load it with GCVAEMeshLoad");
  PetscCall(DMAddBoundary(dm, DM_BC_ESSENTIAL, "wall", label, 1, &id, 0, 0, NULL, (void (*)(void))(source ? GCVAEPoissonExact : Zero), NULL, NULL, NULL));
  PetscCall(GCVAEFamilySetCoefficient(dm, degree, zero)); /* f = 1 until set */
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEPoissonAssemble(DM dm, Mat A)
{
  Vec u;

  PetscFunctionBegin;
  /* the Jacobian callback takes the local state (with boundary values); the problem is
     linear, so u = 0 */
  PetscCall(DMGetLocalVector(dm, &u));
  PetscCall(VecSet(u, 0));
  PetscCall(MatZeroEntries(A));
  PetscCall(DMPlexSNESComputeJacobianFEM(dm, u, A, A, NULL));
  PetscCall(DMRestoreLocalVector(dm, &u));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEPoissonRandomMatrix(MPI_Comm comm, const char mesh[], PetscInt refine, PetscInt seed, PetscReal contrast, Mat *A)
{
  DM          dm;
  PetscRandom rnd;
  PetscReal   c[GCVAE_COEFF_MAX_COUNT];

  PetscFunctionBegin;
  PetscCall(GCVAEMeshLoad(comm, mesh, refine, &dm));
  PetscCall(GCVAEPoissonSetUp(dm, 2, PETSC_FALSE));
  PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, (unsigned long)seed, &rnd));
  PetscCall(GCVAECoeffRandom(rnd, 2, contrast, contrast, c));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(GCVAEFamilySetCoefficient(dm, 2, c));
  PetscCall(DMCreateMatrix(dm, A));
  PetscCall(GCVAEPoissonAssemble(dm, *A));
  PetscCall(DMDestroy(&dm));
  PetscFunctionReturn(0);
}
