static char help[] = "GCVAEModelCacheGet: a model file is read once per process, read again when the file\n"
                     "changes, and a model handed out stays valid after that (its PC may still use it):\n"
                     "  -dir D   scratch directory (tests/out)\n";

#include <gcvae_model.h>

static int nfail = 0;

static PetscErrorCode Expect(PetscBool ok, const char what[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %-66s %s\n", what, ok ? "ok" : "FAIL"));
  nfail += !ok;
  PetscFunctionReturn(0);
}

/* dst = a copy of the model src (GCVAEModelSave writes a new file and renames it over dst) */
static PetscErrorCode CopyModel(const char src[], const char dst[])
{
  GCVAEModel m;

  PetscFunctionBeginUser;
  PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, src, &m));
  PetscCall(GCVAEModelSave(m, dst));
  PetscCall(GCVAEModelDestroy(&m));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char              dir[PETSC_MAX_PATH_LEN] = "tests/out", path[PETSC_MAX_PATH_LEN + 32];
  GCVAEModel        a, b, c, d;
  GCVAEModelHeader *ha, *hc;
  PetscMPIInt       rank;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/cache_model.bin", dir));
  if (!rank) PetscCall(CopyModel("models/poisson.bin", path));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(GCVAEModelCacheGet(PETSC_COMM_WORLD, path, &a));
  PetscCall(GCVAEModelCacheGet(PETSC_COMM_WORLD, path, &b));
  PetscCall(Expect((PetscBool)(a == b), "the same file twice: one model, read once"));
  if (!rank) PetscCall(CopyModel("models/biharmonic.bin", path)); /* a new file under the same name */
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscCall(GCVAEModelCacheGet(PETSC_COMM_WORLD, path, &c));
  PetscCall(GCVAEModelGetHeader(a, &ha));
  PetscCall(GCVAEModelGetHeader(c, &hc));
  PetscCall(Expect((PetscBool)(c != a && hc->nparams != ha->nparams), "the file replaced: read again, the new model"));
  PetscCall(Expect((PetscBool)(ha->nparams > 0 && !strcmp(ha->family, "poisson")), "the model handed out before is still valid"));
  PetscCall(GCVAEModelCacheGet(PETSC_COMM_WORLD, "models/poisson.bin", &d));
  PetscCall(Expect((PetscBool)(d != a && d != c), "another path: its own model"));
  {
    PetscErrorCode ierr;
    GCVAEModel     e = NULL;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = GCVAEModelCacheGet(PETSC_COMM_WORLD, "tests/out/no_such_model.bin", &e);
    PetscCall(PetscPopErrorHandler());
    PetscCall(Expect((PetscBool)(ierr != 0 && !e), "a missing file: the loader's error, nothing cached"));
  }
  PetscCall(PetscFinalize()); /* frees the cache (valgrind: no leak) */
  return nfail ? 1 : 0;
}
