static char help[] = "GCVAEBlockInverseImage (sparse Cholesky + P solves) against GCVAEInverseImage (dense inverse)\n"
                     "on the matrices of a dataset. Where A^-1 >= 0 entrywise (P1 Poisson: an M-matrix on these\n"
                     "meshes) the two images must agree to rounding (max relative difference -same_tol). On\n"
                     "A' = D + |A - D| (the off-diagonal signs flipped: still diagonally dominant, so SPD, and its\n"
                     "inverse has entries of both signs) |block average| <= block average of |.| must hold entrywise\n"
                     "(triangle inequality) and be strict on some blocks. An indefinite matrix must be refused.\n"
                     "  -data FILE -samples K -same_tol T\n";

#include <gcvae.h>

/* the dense image and the block image of A; worst relative difference, worst excess of block over
   dense, number of blocks clearly below (all relative to the dense image's largest pixel) */
static PetscErrorCode Compare(Mat A, PetscInt P, PetscScalar dense[], float dimg[], float bimg[], PetscReal *rel, PetscReal *excess, PetscInt *below)
{
  PetscReal dmax = 0;

  PetscFunctionBeginUser;
  PetscCall(GCVAEMatInverseImage(A, PETSC_FALSE, dense, P, dimg));
  PetscCall(GCVAEMatInverseImage(A, PETSC_TRUE, NULL, P, bimg));
  for (PetscInt k = 0; k < P * P; k++) dmax = PetscMax(dmax, dimg[k]);
  PetscCheck(dmax > 0 && PetscIsNormalReal(dmax), PETSC_COMM_SELF, PETSC_ERR_PLIB, "dense image has no positive finite pixel");
  for (PetscInt k = 0; k < P * P; k++) {
    PetscCheck(PetscIsNormalReal(bimg[k]) || bimg[k] == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "block image pixel %" PetscInt_FMT " is %g", k, (double)bimg[k]);
    *rel    = PetscMax(*rel, PetscAbsReal(dimg[k] - bimg[k]) / dmax);
    *excess = PetscMax(*excess, (bimg[k] - dimg[k]) / dmax);
    if (bimg[k] < dimg[k] - 1e-4 * dmax) (*below)++;
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char                      path[PETSC_MAX_PATH_LEN] = "";
  GCVAEDataset              ds;
  const GCVAEDatasetHeader *h;
  PetscInt                  K = 2, n, P, fails = 0, below = 0, fbelow = 0;
  PetscReal                 same_tol = -1, rel = 0, excess = 0, frel = 0, fexcess = 0;
  float                    *dimg, *bimg;
  PetscScalar              *dense;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", path, sizeof(path), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-samples", &K, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-same_tol", &same_tol, NULL));
  PetscCall(GCVAEDatasetOpen(PETSC_COMM_SELF, path, &ds));
  PetscCall(GCVAEDatasetGetHeader(ds, &h));
  n = h->n;
  P = h->image_size;
  PetscCall(PetscMalloc3(P * P, &dimg, P * P, &bimg, (size_t)n * n, &dense));
  for (PetscInt s = 0; s < PetscMin(K, h->nsamples); s++) {
    Mat          A;
    PetscScalar *va;
    Vec          d;
    PetscCall(GCVAEDatasetCreateMat(ds, PETSC_COMM_SELF, s, &A));
    PetscCall(Compare(A, P, dense, dimg, bimg, &rel, &excess, &below));
    /* A' = D + |A - D| */
    PetscCall(MatCreateVecs(A, &d, NULL));
    PetscCall(MatGetDiagonal(A, d));
    PetscCall(MatSeqAIJGetArray(A, &va));
    for (PetscInt k = 0; k < h->nnz; k++) va[k] = PetscAbsScalar(va[k]);
    PetscCall(MatSeqAIJRestoreArray(A, &va));
    PetscCall(MatDiagonalSet(A, d, INSERT_VALUES));
    PetscCall(Compare(A, P, dense, dimg, bimg, &frel, &fexcess, &fbelow));
    PetscCall(VecDestroy(&d));
    PetscCall(MatDestroy(&A));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: A: max |block - dense| / max(dense) %.3e, excess %.3e, blocks below %" PetscInt_FMT "; A' (mixed signs): difference %.3e, excess %.3e, blocks below %" PetscInt_FMT " of %" PetscInt_FMT "\n", path, (double)rel, (double)excess, below, (double)frel, (double)fexcess, fbelow, PetscMin(K, h->nsamples) * P * P));
  if (same_tol > 0 && rel > same_tol) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL: the images of A differ by %.3e > %.3e where A^-1 >= 0\n", (double)rel, (double)same_tol));
    fails++;
  }
  if (excess > 1e-5 || fexcess > 1e-5) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL: a block pixel exceeds the dense one (|avg| <= avg|.| broken): %.3e, %.3e\n", (double)excess, (double)fexcess));
    fails++;
  }
  if (!fbelow) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL: A'^-1 has entries of both signs, yet no block pixel is below the dense one\n"));
    fails++;
  }
  { /* A - 1.5 max(diag) I is indefinite: refused, with the inertia in the message */
    Mat            A;
    PetscErrorCode ierr;
    PetscReal      dmax;
    Vec            d;
    PetscCall(GCVAEDatasetCreateMat(ds, PETSC_COMM_SELF, 0, &A));
    PetscCall(MatCreateVecs(A, &d, NULL));
    PetscCall(MatGetDiagonal(A, d));
    PetscCall(VecMax(d, NULL, &dmax));
    PetscCall(MatShift(A, -1.5 * dmax));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = GCVAEBlockInverseImage(A, P, bimg);
    PetscCall(PetscPopErrorHandler());
    if (ierr != PETSC_ERR_MAT_CH_ZRPVT) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL: an indefinite matrix gave error code %d, not %d (not positive definite)\n", (int)ierr, (int)PETSC_ERR_MAT_CH_ZRPVT));
      fails++;
    }
    PetscCall(VecDestroy(&d));
    PetscCall(MatDestroy(&A));
  }
  PetscCall(PetscFree3(dimg, bimg, dense));
  PetscCall(GCVAEDatasetClose(&ds));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, fails ? "FAIL\n" : "PASS\n"));
  PetscCall(PetscFinalize());
  return fails ? 1 : 0;
}
