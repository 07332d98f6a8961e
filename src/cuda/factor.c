/* The factor on the device: R and R^T as cuSPARSE CSR matrices (double, 32-bit indices)
   and M^{-1} x = R (R^T x) with cusparseSpMV. R^T is formed once on the device
   (cusparseCsr2cscEx2: the CSC arrays of R are the CSR arrays of R^T), because a
   non-transposed SpMV is faster than a transposed one.

   The Vecs are host Vecs (Debian's PETSc has no CUDA vectors), so each apply copies x in
   (8 n bytes) and y out (8 n bytes) over PCIe with cudaMemcpy from pageable memory; those
   two copies, not the SpMVs, bound the apply's time (doc/design.md section 12). */
#include "cudaimpl.h"

struct _n_GCVAECudaFactor {
  int                  n, nnz;
  int                 *Ri, *Rj, *Ti, *Tj; /* CSR of R and of R^T */
  double              *Rv, *Tv;
  double              *x, *w, *y;         /* (n) each: input, R^T x, output */
  cusparseSpMatDescr_t R, Rt;
  cusparseDnVecDescr_t vx, vw, vy;
  void                *buffer;            /* SpMV workspace, the largest any apply needs */
};

#define SPMV_ALG CUSPARSE_SPMV_CSR_ALG2 /* deterministic: the same y every run, so CG repeats */

static PetscErrorCode SpMVBufferSize(cusparseHandle_t h, cusparseSpMatDescr_t A, cusparseDnVecDescr_t x, cusparseDnVecDescr_t y, size_t *size)
{
  const double one = 1, zero = 0;
  size_t       s;

  PetscFunctionBegin;
  GCVAECallCUSPARSE(cusparseSpMV_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, A, x, &zero, y, CUDA_R_64F, SPMV_ALG, &s));
  *size = PetscMax(*size, s);
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorCreate(Mat R, GCVAECudaFactor *factor)
{
  GCVAECudaFactor    f;
  cusparseHandle_t   h;
  const PetscInt    *ri, *rj;
  const PetscScalar *rv;
  PetscInt           n;
  PetscBool          done, isseq;
  MatType            type;
  size_t             csize = 0, bsize = 0;
  void              *cbuf;

  PetscFunctionBegin;
  PetscCheck(sizeof(PetscInt) == sizeof(int) && sizeof(PetscScalar) == sizeof(double), PETSC_COMM_SELF, PETSC_ERR_SUP, "the CUDA backend needs PETSc with 32-bit indices and real double scalars");
  PetscCall(PetscObjectBaseTypeCompare((PetscObject)R, MATSEQAIJ, &isseq));
  PetscCall(MatGetType(R, &type));
  PetscCheck(isseq, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAECudaFactorCreate: R must be MATSEQAIJ (one process), got %s", type);
  PetscCall(GCVAECudaGetCusparse(&h));
  PetscCall(PetscNew(&f));
  PetscCall(MatGetRowIJ(R, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAECudaFactorCreate: cannot get the CSR of R");
  PetscCall(MatSeqAIJGetArrayRead(R, &rv));
  f->n   = (int)n;
  f->nnz = (int)ri[n];
  PetscCall(GCVAECudaMalloc((size_t)(n + 1) * sizeof(int), (void **)&f->Ri));
  PetscCall(GCVAECudaMalloc((size_t)(n + 1) * sizeof(int), (void **)&f->Ti));
  PetscCall(GCVAECudaMalloc((size_t)PetscMax(f->nnz, 1) * sizeof(int), (void **)&f->Rj));
  PetscCall(GCVAECudaMalloc((size_t)PetscMax(f->nnz, 1) * sizeof(int), (void **)&f->Tj));
  PetscCall(GCVAECudaMalloc((size_t)PetscMax(f->nnz, 1) * sizeof(double), (void **)&f->Rv));
  PetscCall(GCVAECudaMalloc((size_t)PetscMax(f->nnz, 1) * sizeof(double), (void **)&f->Tv));
  PetscCall(GCVAECudaMalloc((size_t)PetscMax(n, 1) * sizeof(double), (void **)&f->x));
  PetscCall(GCVAECudaMalloc((size_t)PetscMax(n, 1) * sizeof(double), (void **)&f->w));
  PetscCall(GCVAECudaMalloc((size_t)PetscMax(n, 1) * sizeof(double), (void **)&f->y));
  PetscCall(GCVAECudaCopyToDevice(f->Ri, ri, (size_t)(n + 1) * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(f->Rj, rj, (size_t)f->nnz * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(f->Rv, rv, (size_t)f->nnz * sizeof(double)));
  PetscCall(MatSeqAIJRestoreArrayRead(R, &rv));
  PetscCall(MatRestoreRowIJ(R, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));

  /* R^T: CSC of R (square n x n) */
  GCVAECallCUSPARSE(cusparseCsr2cscEx2_bufferSize(h, f->n, f->n, f->nnz, f->Rv, f->Ri, f->Rj, f->Tv, f->Ti, f->Tj, CUDA_R_64F, CUSPARSE_ACTION_NUMERIC, CUSPARSE_INDEX_BASE_ZERO, CUSPARSE_CSR2CSC_ALG1, &csize));
  PetscCall(GCVAECudaMalloc(PetscMax(csize, 1), &cbuf));
  GCVAECallCUSPARSE(cusparseCsr2cscEx2(h, f->n, f->n, f->nnz, f->Rv, f->Ri, f->Rj, f->Tv, f->Ti, f->Tj, CUDA_R_64F, CUSPARSE_ACTION_NUMERIC, CUSPARSE_INDEX_BASE_ZERO, CUSPARSE_CSR2CSC_ALG1, cbuf));
  GCVAECallCUDA(cudaDeviceSynchronize()); /* cbuf is freed next */
  PetscCall(GCVAECudaFree(cbuf));

  GCVAECallCUSPARSE(cusparseCreateCsr(&f->R, f->n, f->n, f->nnz, f->Ri, f->Rj, f->Rv, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_64F));
  GCVAECallCUSPARSE(cusparseCreateCsr(&f->Rt, f->n, f->n, f->nnz, f->Ti, f->Tj, f->Tv, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_64F));
  GCVAECallCUSPARSE(cusparseCreateDnVec(&f->vx, f->n, f->x, CUDA_R_64F));
  GCVAECallCUSPARSE(cusparseCreateDnVec(&f->vw, f->n, f->w, CUDA_R_64F));
  GCVAECallCUSPARSE(cusparseCreateDnVec(&f->vy, f->n, f->y, CUDA_R_64F));
  PetscCall(SpMVBufferSize(h, f->Rt, f->vx, f->vw, &bsize)); /* the three products the applies make */
  PetscCall(SpMVBufferSize(h, f->R, f->vw, f->vy, &bsize));
  PetscCall(SpMVBufferSize(h, f->Rt, f->vx, f->vy, &bsize));
  PetscCall(SpMVBufferSize(h, f->R, f->vx, f->vy, &bsize));
  PetscCall(GCVAECudaMalloc(PetscMax(bsize, 1), &f->buffer));
  *factor = f;
  PetscFunctionReturn(0);
}

/* y = A x on the device */
static PetscErrorCode SpMV(GCVAECudaFactor f, cusparseSpMatDescr_t A, cusparseDnVecDescr_t x, cusparseDnVecDescr_t y)
{
  const double     one = 1, zero = 0;
  cusparseHandle_t h;

  PetscFunctionBegin;
  PetscCall(GCVAECudaGetCusparse(&h));
  GCVAECallCUSPARSE(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, A, x, &zero, y, CUDA_R_64F, SPMV_ALG, f->buffer));
  PetscCall(PetscLogFlops(2.0 * f->nnz));
  PetscFunctionReturn(0);
}

static PetscErrorCode CopyIn(GCVAECudaFactor f, Vec x)
{
  const PetscScalar *xa;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(x, &n));
  PetscCheck(n == f->n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "GCVAECudaFactor: vector of size %" PetscInt_FMT ", the factor has n = %d", n, f->n);
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(GCVAECudaCopyToDevice(f->x, xa, (size_t)n * sizeof(double)));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscFunctionReturn(0);
}

static PetscErrorCode CopyOut(GCVAECudaFactor f, Vec y)
{
  PetscScalar *ya;
  PetscInt     n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(y, &n));
  PetscCheck(n == f->n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "GCVAECudaFactor: vector of size %" PetscInt_FMT ", the factor has n = %d", n, f->n);
  PetscCall(VecGetArrayWrite(y, &ya));
  PetscCall(GCVAECudaCopyToHost(ya, f->y, (size_t)n * sizeof(double))); /* waits for the SpMVs */
  PetscCall(VecRestoreArrayWrite(y, &ya));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorApply(GCVAECudaFactor f, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(CopyIn(f, x));
  PetscCall(SpMV(f, f->Rt, f->vx, f->vw));
  PetscCall(SpMV(f, f->R, f->vw, f->vy));
  PetscCall(CopyOut(f, y));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorApplyTranspose(GCVAECudaFactor f, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(CopyIn(f, x));
  PetscCall(SpMV(f, f->Rt, f->vx, f->vy));
  PetscCall(CopyOut(f, y));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorApplyR(GCVAECudaFactor f, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(CopyIn(f, x));
  PetscCall(SpMV(f, f->R, f->vx, f->vy));
  PetscCall(CopyOut(f, y));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaFactorDestroy(GCVAECudaFactor *factor)
{
  GCVAECudaFactor f;

  PetscFunctionBegin;
  if (!factor || !*factor) PetscFunctionReturn(0);
  f = *factor;
  if (f->R) GCVAECallCUSPARSE(cusparseDestroySpMat(f->R));
  if (f->Rt) GCVAECallCUSPARSE(cusparseDestroySpMat(f->Rt));
  if (f->vx) GCVAECallCUSPARSE(cusparseDestroyDnVec(f->vx));
  if (f->vw) GCVAECallCUSPARSE(cusparseDestroyDnVec(f->vw));
  if (f->vy) GCVAECallCUSPARSE(cusparseDestroyDnVec(f->vy));
  PetscCall(GCVAECudaFree(f->Ri));
  PetscCall(GCVAECudaFree(f->Rj));
  PetscCall(GCVAECudaFree(f->Rv));
  PetscCall(GCVAECudaFree(f->Ti));
  PetscCall(GCVAECudaFree(f->Tj));
  PetscCall(GCVAECudaFree(f->Tv));
  PetscCall(GCVAECudaFree(f->x));
  PetscCall(GCVAECudaFree(f->w));
  PetscCall(GCVAECudaFree(f->y));
  PetscCall(GCVAECudaFree(f->buffer));
  PetscCall(PetscFree(f));
  *factor = NULL;
  PetscFunctionReturn(0);
}
