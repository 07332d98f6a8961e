/* The families by name, as the tools select them. */
#include "family.h"

static PetscErrorCode PoissonSetUp(DM dm, PetscInt degree, PetscReal sigma)
{
  PetscFunctionBegin;
  PetscCall(GCVAEPoissonSetUp(dm, degree, PETSC_FALSE));
  PetscFunctionReturn(0);
}

static const GCVAEFamily families[] = {
  {"poisson",    PoissonSetUp,         DMCreateMatrix,             GCVAEPoissonAssemble   },
  {"biharmonic", GCVAEBiharmonicSetUp, GCVAEBiharmonicCreateMatrix, GCVAEBiharmonicAssemble},
};

PetscErrorCode GCVAEFamilyGet(const char name[], const GCVAEFamily **family)
{
  PetscFunctionBegin;
  for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++)
    if (!strcmp(name, families[k].name)) {
      *family = &families[k];
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Unknown family '%s': use poisson or biharmonic", name);
}
