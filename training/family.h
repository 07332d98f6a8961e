/* Matrix families for training: assembly on DMPlex (one file per family). */
#ifndef GCVAE_FAMILY_H
#define GCVAE_FAMILY_H

#include <petscdmplex.h>
#include <petscsnes.h>
#include <petscds.h>

/* Coefficient f = exp(p(x,y)), p a polynomial of total degree `degree` in the
   monomial order 1, x, y, x^2, xy, y^2, x^3, ... (ncoeffs = (d+1)(d+2)/2). */
#define GCVAE_COEFF_MAX_DEGREE 6
PetscInt       GCVAECoeffCount(PetscInt degree);
PetscReal      GCVAECoeffPoly(PetscInt degree, const PetscReal c[], const PetscReal x[], PetscReal grad[]);
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
   GCVAEPoissonSetCoefficient (PetscDS constants). `source` selects g: PETSC_FALSE
   for g = 0 (matrices only), PETSC_TRUE for the manufactured solution
   u = sin(pi x) sin(pi y). */
PetscErrorCode GCVAEPoissonSetUp(DM, PetscInt degree, PetscBool source);
PetscErrorCode GCVAEPoissonSetCoefficient(DM, PetscInt degree, const PetscReal c[]);
/* Exact solution of the manufactured problem (PetscDS exact-solution signature). */
PetscErrorCode GCVAEPoissonExact(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt Nc, PetscScalar u[], void *ctx);
/* Assemble the stiffness matrix (interior dofs only) into A, created by DMCreateMatrix. */
PetscErrorCode GCVAEPoissonAssemble(DM, Mat A);

/* Coordinates (x, y) of the global dofs that sit on vertices, in global order:
   coords[2*g], coords[2*g+1] for global dof g (local part on each rank). */
PetscErrorCode GCVAEVertexDofCoordinates(DM, PetscReal coords[]);

#endif
