static char help[] = "Compares the parameters of two model files: max_i |a_i - b_i| / max_i |a_i|, per tensor and\n"
                     "overall; exits 1 when the overall difference exceeds -tol (or the architectures differ).\n"
                     "  -a FILE -b FILE -tol T (1e-4)\n";

#include <gcvae_model.h>

int main(int argc, char **argv)
{
  char           fa[PETSC_MAX_PATH_LEN] = "", fb[PETSC_MAX_PATH_LEN] = "";
  GCVAEModel     ma, mb;
  NNParamBuffer *pa, *pb;
  PetscReal      tol = 1e-4, amax = 0, dmax = 0;
  int            worst = -1;
  PetscReal      worst_t = -1;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-a", fa, sizeof(fa), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-b", fb, sizeof(fb), NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL));
  PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, fa, &ma));
  PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, fb, &mb));
  PetscCall(GCVAEModelGetParams(ma, &pa));
  PetscCall(GCVAEModelGetParams(mb, &pb));
  PetscCheck(pa->count == pb->count && pa->ntensors == pb->ntensors, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "%s and %s have different architectures (%zu and %zu parameters)", fa, fb, pa->count, pb->count);
  for (size_t i = 0; i < pa->count; i++) amax = PetscMax(amax, PetscAbsReal(pa->params[i]));
  for (int t = 0; t < pa->ntensors; t++) {
    PetscReal d = 0;
    for (size_t i = pa->offsets[t]; i < pa->offsets[t] + pa->sizes[t]; i++) d = PetscMax(d, PetscAbsReal(pa->params[i] - pb->params[i]));
    if (d > worst_t) {
      worst_t = d;
      worst   = t;
    }
    dmax = PetscMax(dmax, d);
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s vs %s: %zu parameters, max |a - b| / max |a| = %.3e (tensor %s), tolerance %.1e\n", fa, fb, pa->count, (double)(dmax / amax), worst >= 0 ? pa->names[worst] : "-", (double)tol));
  PetscCall(GCVAEModelDestroy(&ma));
  PetscCall(GCVAEModelDestroy(&mb));
  PetscCall(PetscFinalize());
  return dmax / amax <= tol ? 0 : 1;
}
