static char help[] = "GCVAEModelInfer (the small-workspace inference the PC uses) gives the r of GCVAEModelForward\n"
                     "to float32 rounding (max |r_infer - r_forward| <= tol max |r_forward|), in mean and sample\n"
                     "mode, on a P1 Poisson matrix; and the input\n"
                     "features with A~^2 from GCVAEMaskBuild equal those with A~^2 from MatMatMult:\n"
                     "  -mesh FILE -refine R   the mesh (meshes/square_433.msh, 0)\n"
                     "  -models A,B,...        model files (models/poisson.bin)\n"
                     "  -tol T                 relative tolerance (5e-5: the same float math summed in another order;\n"
                     "                         measured 2e-7 (poisson.bin) to 9e-6 (poisson_433_edge.bin, whose r moves by 1.1e-5\n"
                     "                         between OpenBLAS kernel sets with the same code): a wrong term gives 1e-3 or more)\n"
                     "  -dump FILE             also write the last model's r (mean mode, float32) to FILE\n";

#include <gcvae_model.h>
#include "../src/inputimpl.h"
#include "../training/family.h"

int main(int argc, char **argv)
{
  char        mesh[PETSC_MAX_PATH_LEN] = "meshes/square_433.msh", dump[PETSC_MAX_PATH_LEN] = "", *models[16];
  PetscInt    refine = 0, nmodels = 16, nfail = 0;
  PetscReal   tol = 5e-5;
  PetscBool   set;
  Mat         A, At, M;
  Vec         d;
  GCVAEInput  in;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh", mesh, sizeof(mesh), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-refine", &refine, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dump", dump, sizeof(dump), NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-tol", &tol, NULL));
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-models", models, &nmodels, &set));
  if (!set) {
    PetscCall(PetscStrallocpy("models/poisson.bin", &models[0]));
    nmodels = 1;
  }
  PetscCall(GCVAEPoissonRandomMatrix(PETSC_COMM_SELF, mesh, refine, 5, 1e3, &A));
  PetscCall(GCVAEScale(A, &At, &d));
  for (PetscInt i = 0; i < nmodels; i++) {
    GCVAEModel        model;
    GCVAEModelHeader *h;
    PetscInt          n, mnnz;
    nnreal           *r0, *r1, *eps;

    PetscCall(GCVAEModelLoad(PETSC_COMM_SELF, models[i], &model));
    PetscCall(GCVAEModelGetHeader(model, &h));
    PetscCall(GCVAEMaskBuild(At, h->mask_extra, &M));
    PetscCall(GCVAEInputCreate(At, M, &in));
    PetscCall(GCVAEInputGetSizes(in, &n, &mnnz));
    { /* the same mask without the composed A~^2: GCVAEInputCreate forms it by MatMatMult */
      Mat        M2;
      GCVAEInput in2;
      PetscInt   ndiff = 0;
      PetscCall(MatDuplicate(M, MAT_COPY_VALUES, &M2));
      PetscCall(PetscObjectCompose((PetscObject)M2, GCVAE_MASK_SQUARE, NULL));
      PetscCall(GCVAEInputCreate(At, M2, &in2));
      for (PetscInt k = 0; k < mnnz * GCVAE_MASK_FEATURES; k++) ndiff += in->xmask[k] != in2->xmask[k];
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s mask features with the composed A~^2: %" PetscInt_FMT " of %" PetscInt_FMT " differ from MatMatMult's\n", ndiff ? "FAIL" : "ok  ", ndiff, mnnz * GCVAE_MASK_FEATURES));
      nfail += ndiff > 0;
      PetscCall(GCVAEInputDestroy(&in2));
      PetscCall(MatDestroy(&M2));
    }
    PetscCall(PetscMalloc3(mnnz, &r0, mnnz, &r1, h->latent, &eps));
    for (PetscInt k = 0; k < h->latent; k++) eps[k] = (nnreal)(0.37 * (k + 1) - 1);
    for (int mode = GCVAE_LATENT_MEAN; mode <= GCVAE_LATENT_SAMPLE; mode++) {
      PetscInt  ndiff = 0;
      PetscReal dmax = 0, rmax = 0;
      PetscBool ok;
      PetscCall(GCVAEModelForward(model, in, (GCVAELatentMode)mode, eps, r0, NULL));
      PetscCall(GCVAEModelInfer(model, in, (GCVAELatentMode)mode, eps, r1));
      for (PetscInt k = 0; k < mnnz; k++) {
        ndiff += r0[k] != r1[k];
        dmax = PetscMax(dmax, PetscAbsReal((PetscReal)r0[k] - (PetscReal)r1[k]));
        rmax = PetscMax(rmax, PetscAbsReal((PetscReal)r0[k]));
        if (!(PetscIsNormalReal((PetscReal)r1[k]) || r1[k] == 0)) dmax = PETSC_INFINITY;
      }
      ok = (PetscBool)(rmax > 0 && dmax <= tol * rmax);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s %s n %" PetscInt_FMT ", %" PetscInt_FMT " mask entries, %s: max |infer - forward| = %.2e max |r| (tol %.0e; %" PetscInt_FMT " entries not bitwise equal)\n", ok ? "ok  " : "FAIL", models[i], n, mnnz, mode == GCVAE_LATENT_MEAN ? "mean" : "sample", (double)(rmax > 0 ? dmax / rmax : dmax), (double)tol, ndiff));
      nfail += !ok;
      if (dump[0] && mode == GCVAE_LATENT_MEAN) {
        FILE *f = fopen(dump, "wb");
        PetscCheck(f && fwrite(r1, sizeof(*r1), (size_t)mnnz, f) == (size_t)mnnz, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", dump);
        fclose(f);
      }
    }
    PetscCall(PetscFree3(r0, r1, eps));
    PetscCall(GCVAEInputDestroy(&in));
    PetscCall(MatDestroy(&M));
    PetscCall(GCVAEModelDestroy(&model));
    PetscCall(PetscFree(models[i]));
  }
  PetscCall(MatDestroy(&At));
  PetscCall(VecDestroy(&d));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
