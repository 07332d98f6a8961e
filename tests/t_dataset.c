static char help[] = "Checks a PCGCVAE dataset: every matrix symmetric positive definite, the stored\n"
                     "pooled |A^-1| images equal those of independently computed inverses (LU, own pooling),\n"
                     "and the stored coefficients and RCM permutation reproduce the matrices from the mesh.\n"
                     "  -data FILE  -image_checks K (samples whose inverse is recomputed, default 3)\n";

#include <gcvae.h>
#include "../training/family.h"

/* a_ji for the entry (i, j): binary search in row j */
static PetscScalar Transposed(const PetscInt *rowptr, const PetscInt *colind, const PetscScalar *v, PetscInt i, PetscInt j)
{
  PetscInt lo = rowptr[j], hi = rowptr[j + 1] - 1;
  while (lo <= hi) {
    PetscInt mid = (lo + hi) / 2;
    if (colind[mid] == i) return v[mid];
    if (colind[mid] < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return PETSC_MAX_REAL; /* structurally missing: not symmetric */
}

int main(int argc, char **argv)
{
  char                      path[PETSC_MAX_PATH_LEN] = "";
  GCVAEDataset              ds;
  const GCVAEDatasetHeader *h;
  const PetscInt           *rowptr, *colind;
  PetscScalar              *v;
  PetscInt                  image_checks = 3, fails = 0, N, n, P;
  PetscReal                 worst_sym = 0, worst_img = 0, worst_asm = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", path, sizeof(path), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-image_checks", &image_checks, NULL));
  PetscCall(GCVAEDatasetOpen(PETSC_COMM_SELF, path, &ds));
  PetscCall(GCVAEDatasetGetHeader(ds, &h));
  PetscCall(GCVAEDatasetGetPattern(ds, &rowptr, &colind));
  N = h->nsamples;
  n = h->n;
  P = h->image_size;
  PetscCall(PetscMalloc1(h->nnz, &v));
  for (PetscInt s = 0; s < N; s++) {
    PetscReal amax = 0, asym = 0;
    Mat       D;
    PetscCall(GCVAEDatasetReadValues(ds, s, v));
    for (PetscInt k = 0; k < h->nnz; k++) amax = PetscMax(amax, PetscAbsScalar(v[k]));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) asym = PetscMax(asym, PetscAbsScalar(v[k] - Transposed(rowptr, colind, v, i, colind[k])));
    worst_sym = PetscMax(worst_sym, asym / amax);
    /* positive definite: dense Cholesky through PETSc must succeed */
    PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, n, n, NULL, &D));
    for (PetscInt i = 0; i < n; i++) PetscCall(MatSetValues(D, 1, &i, rowptr[i + 1] - rowptr[i], colind + rowptr[i], v + rowptr[i], INSERT_VALUES));
    PetscCall(MatAssemblyBegin(D, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(D, MAT_FINAL_ASSEMBLY));
    if (s < image_checks) {
      /* independent inverse: LU + solve with the identity; own pooling loop */
      Mat        F, Id, X;
      IS         rp, cp;
      float     *stored;
      PetscReal *pool, err = 0, ref = 0;
      PetscCall(MatDuplicate(D, MAT_COPY_VALUES, &F));
      PetscCall(MatGetOrdering(F, MATORDERINGNATURAL, &rp, &cp));
      PetscCall(MatLUFactor(F, rp, cp, NULL));
      PetscCall(MatCreateSeqDense(PETSC_COMM_SELF, n, n, NULL, &Id));
      for (PetscInt i = 0; i < n; i++) PetscCall(MatSetValue(Id, i, i, 1.0, INSERT_VALUES));
      PetscCall(MatAssemblyBegin(Id, MAT_FINAL_ASSEMBLY));
      PetscCall(MatAssemblyEnd(Id, MAT_FINAL_ASSEMBLY));
      PetscCall(MatDuplicate(Id, MAT_DO_NOT_COPY_VALUES, &X));
      PetscCall(MatMatSolve(F, Id, X));
      PetscCall(PetscCalloc1(P * P, &pool));
      PetscCall(PetscMalloc1(P * P, &stored));
      for (PetscInt bi = 0; bi < P; bi++)
        for (PetscInt bj = 0; bj < P; bj++) {
          /* rows of bin b: ceil(b n / P) <= i < ceil((b+1) n / P) */
          PetscInt i0 = (bi * n + P - 1) / P, i1 = ((bi + 1) * n + P - 1) / P, j0 = (bj * n + P - 1) / P, j1 = ((bj + 1) * n + P - 1) / P, cnt = 0;
          PetscReal sum = 0;
          for (PetscInt i = i0; i < i1; i++)
            for (PetscInt j = j0; j < j1; j++) {
              PetscScalar x;
              PetscCall(MatGetValue(X, i, j, &x));
              sum += PetscAbsScalar(x);
              cnt++;
            }
          pool[bi * P + bj] = cnt ? sum / cnt : 0;
        }
      PetscCall(GCVAEDatasetReadImage(ds, s, stored));
      for (PetscInt k = 0; k < P * P; k++) {
        err = PetscMax(err, PetscAbsReal(pool[k] - stored[k]));
        ref = PetscMax(ref, PetscAbsReal(pool[k]));
      }
      worst_img = PetscMax(worst_img, err / ref);
      PetscCall(PetscFree(pool));
      PetscCall(PetscFree(stored));
      PetscCall(ISDestroy(&rp));
      PetscCall(ISDestroy(&cp));
      PetscCall(MatDestroy(&F));
      PetscCall(MatDestroy(&Id));
      PetscCall(MatDestroy(&X));
    }
    {
      PetscErrorCode ierr;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = MatCholeskyFactor(D, NULL, NULL);
      PetscCall(PetscPopErrorHandler());
      if (ierr) {
        fails++;
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "sample %" PetscInt_FMT ": not positive definite\n", s));
      }
    }
    PetscCall(MatDestroy(&D));
  }
  /* the stored coefficients and permutation reproduce sample 0 and the last sample from the mesh */
  {
    const GCVAEFamily *fam;
    DM        dm;
    Mat       A;
    PetscInt *perm, check[2] = {0, N - 1};
    PetscReal c[GCVAE_COEFF_MAX_COUNT];
    PetscCall(GCVAEFamilyGet(h->family, &fam));
    PetscCall(GCVAEMeshLoad(PETSC_COMM_SELF, h->mesh, h->refine, &dm));
    PetscCall(fam->setup(dm, h->degree, h->sigma));
    PetscCall(fam->create_matrix(dm, &A));
    PetscCall(GCVAEDatasetGetPermutation(ds, (const PetscInt **)&perm));
    for (PetscInt t = 0; t < 2; t++) {
      PetscReal amax = 0, err = 0;
      PetscCall(GCVAEDatasetReadCoeffs(ds, check[t], c));
      PetscCall(GCVAEDatasetReadValues(ds, check[t], v));
      PetscCall(GCVAEFamilySetCoefficient(dm, h->degree, c));
      PetscCall(fam->assemble(dm, A));
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt k = rowptr[i]; k < rowptr[i + 1]; k++) {
          PetscScalar a;
          PetscCall(MatGetValue(A, perm[i], perm[colind[k]], &a));
          err  = PetscMax(err, PetscAbsScalar(a - v[k]));
          amax = PetscMax(amax, PetscAbsScalar(v[k]));
        }
      worst_asm = PetscMax(worst_asm, err / amax);
    }
    PetscCall(MatDestroy(&A));
    PetscCall(DMDestroy(&dm));
  }
  if (worst_sym > 1e-12) fails++;
  if (worst_img > 1e-5) fails++;
  if (worst_asm > 1e-12) fails++;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %" PetscInt_FMT " samples, n = %" PetscInt_FMT "; max relative asymmetry %.2e (<= 1e-12); image vs LU inverse %.2e (<= 1e-5, %" PetscInt_FMT " samples); re-assembly %.2e (<= 1e-12)\n", path, N, n, (double)worst_sym, (double)worst_img, PetscMin(image_checks, N), (double)worst_asm));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s\n", fails ? "FAIL" : "PASS"));
  PetscCall(PetscFree(v));
  PetscCall(GCVAEDatasetClose(&ds));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
