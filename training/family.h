/* Matrix families for training: assembly on DMPlex (one file per family). */
#ifndef GCVAE_FAMILY_H
#define GCVAE_FAMILY_H

#include <petscdmplex.h>
#include <petscsnes.h>
#include <petscds.h>
#include <gcvae.h>

/* Coefficient f = exp(p(x,y)), p a polynomial of total degree `degree` in the
   monomial order 1, x, y, x^2, xy, y^2, x^3, ... (ncoeffs = (d+1)(d+2)/2). */
#define GCVAE_COEFF_MAX_DEGREE 6
#define GCVAE_COEFF_MAX_COUNT  28
PetscInt       GCVAECoeffCount(PetscInt degree);
/* p(x); grad and lap (either may be NULL) receive its gradient and Laplacian */
PetscReal      GCVAECoeffPoly(PetscInt degree, const PetscReal c[], const PetscReal x[], PetscReal grad[], PetscReal *lap);
/* f = exp(p) from the PetscDS constants [degree, c_0, c_1, ...] of either family */
PetscReal      GCVAECoeffEval(PetscInt numConstants, const PetscScalar constants[], const PetscReal x[], PetscReal gradp[], PetscReal *lapp);
/* Set f for the next assembly (PetscDS constants of the DM, either family). */
PetscErrorCode GCVAEFamilySetCoefficient(DM, PetscInt degree, const PetscReal c[]);
/* Draw p with random monomial coefficients, scaled so that on a 101 x 101 grid of
   the unit square min p = 0 and max p = log(contrast), contrast log-uniform in
   [cmin, cmax]: so 1 <= f <= contrast. */
PetscErrorCode GCVAECoeffRandom(PetscRandom, PetscInt degree, PetscReal cmin, PetscReal cmax, PetscReal c[]);

/* Read a gmsh mesh of the unit square (clear error if missing or unreadable),
   refine it `refine` times (uniform), distribute it on comm, and mark its
   boundary faces in the label "marker". */
PetscErrorCode GCVAEMeshLoad(MPI_Comm, const char path[], PetscInt refine, DM *);

/* P1 Poisson: -div(f grad u) = g, u = 0 on the boundary. The DM gets a P1 field,
   the essential BC and the pointwise functions; the coefficient is set by
   GCVAEFamilySetCoefficient (PetscDS constants). `source` selects g: PETSC_FALSE
   for g = 0 (matrices only), PETSC_TRUE for the manufactured solution
   u = sin(pi x) sin(pi y). */
PetscErrorCode GCVAEPoissonSetUp(DM, PetscInt degree, PetscBool source);
/* Exact solution of the manufactured problem (PetscDS exact-solution signature). */
PetscErrorCode GCVAEPoissonExact(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt Nc, PetscScalar u[], void *ctx);
/* Assemble the stiffness matrix (interior dofs only) into A, created by DMCreateMatrix. */
PetscErrorCode GCVAEPoissonAssemble(DM, Mat A);
/* One P1 Poisson matrix (in the mesh's order) on comm: mesh refined `refine` times, f = exp(p)
   with p of degree 2 drawn by GCVAECoeffRandom from `seed` at exactly `contrast`. */
PetscErrorCode GCVAEPoissonRandomMatrix(MPI_Comm, const char mesh[], PetscInt refine, PetscInt seed, PetscReal contrast, Mat *A);

/* Biharmonic: lap(f lap u) = g, u = 0 and lap u = 0 on the boundary, P2 C0
   interior penalty with penalty sigma (default GCVAE_BIHARMONIC_SIGMA). SetUp
   gives the DM its P2 field and BC and precomputes the mesh geometry; Assemble
   uses the coefficient of GCVAEFamilySetCoefficient. For the manufactured
   solution u = sin(pi x) sin(pi y): the load vector, and the L2 and broken H2
   (piecewise Hessian) errors of a discrete solution. */
#define GCVAE_BIHARMONIC_SIGMA 8.0
PetscErrorCode GCVAEBiharmonicSetUp(DM, PetscInt degree, PetscReal sigma);
PetscErrorCode GCVAEBiharmonicCreateMatrix(DM, Mat *A); /* with the edge couplings */
PetscErrorCode GCVAEBiharmonicAssemble(DM, Mat A);
PetscErrorCode GCVAEBiharmonicManufacturedRHS(DM, Vec b);
PetscErrorCode GCVAEBiharmonicErrors(DM, Vec u, PetscReal *l2, PetscReal *h2);

/* Coordinates (x, y) of the global dofs in global order (a vertex dof at its
   vertex, an edge dof at the edge midpoint): coords[2*g], coords[2*g+1] for
   the local global dof g (local part on each rank). */
PetscErrorCode GCVAEDofCoordinates(DM, PetscReal coords[]);

/* The families by name, for the tools: set up a DM loaded by GCVAEMeshLoad,
   create its matrix, assemble it for the coefficient set by
   GCVAEFamilySetCoefficient. sigma is used by the biharmonic family only. */
typedef struct {
  const char *name;
  PetscErrorCode (*setup)(DM, PetscInt degree, PetscReal sigma);
  PetscErrorCode (*create_matrix)(DM, Mat *);
  PetscErrorCode (*assemble)(DM, Mat);
} GCVAEFamily;
PetscErrorCode GCVAEFamilyGet(const char name[], const GCVAEFamily **);

#endif
