/*
   The host apply of M^{-1} = R R^T with the factors' values in single precision: vectors, sums
   and everything else stay double.

   Why by hand: SpMV is memory-bound, and per nonzero PETSc's AIJ reads 8 bytes of value and 4 of
   column index. With 4-byte values a product moves 1/3 fewer bytes for the factor. PETSc 3.18 has
   no mixed-precision AIJ (MatMult needs values and vectors of one PetscScalar), so this file keeps
   R and R^T as float CSR blocks: the diagonal block of each and, on several processes, the
   off-diagonal block with its ghost values gathered by a VecScatter, as MATMPIAIJ does.

   What is stored in float is the scaled factor R~ = D^{1/2} R (D = diag(A)), whose entries are
   O(1) whatever A's scale (R's own entries are O(a_ii^{-1/2}): 1e-76 for a matrix of 1e153
   entries, below float's range); the diagonal D^{-1/2} is applied in double:
     M^{-1} x = D^{-1/2} R~ R~^T D^{-1/2} x.
   PCSetUp replaces R by D^{-1/2} float(R~), so the R that PCGCVAEGetFactor() returns is exactly
   the one applied and R R^T is exactly symmetric positive (semi)definite, as with double values.
   The rounding changes R by a relative 6e-8 per entry, below what the network's own
   single-precision output already carries.
*/
#include "pcgcvaeimpl.h"

typedef struct {
  PetscInt  m;    /* rows */
  PetscInt *i;    /* row starts (m + 1) */
  PetscInt *j;    /* local column indices */
  float    *a;    /* values */
} FloatCSR;

/* One factor: y = F x with F's values in float. */
typedef struct {
  FloatCSR   d, o;    /* diagonal block, off-diagonal block (o.m = 0 on one process) */
  VecScatter scatter; /* x's ghost values for o, NULL on one process */
  Vec        ghost;
} FloatFactor;

struct _n_PCGCVAESingle {
  FloatFactor R, Rt; /* R~ and R~^T */
  Vec         d;     /* D^{-1/2} */
  Vec         t;     /* D^{-1/2} x */
};

static PetscErrorCode FloatCSRCreate(Mat B, FloatCSR *f)
{
  const PetscInt    *i, *j;
  const PetscScalar *v;
  PetscInt           m, nnz;
  PetscBool          done;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &m, &i, &j, &done));
  PetscCheck(done, PetscObjectComm((PetscObject)B), PETSC_ERR_PLIB, "PCGCVAE: no row structure of a factor block");
  nnz = i[m];
  PetscCall(MatSeqAIJGetArrayRead(B, &v));
  PetscCall(PetscMalloc3(m + 1, &f->i, nnz, &f->j, nnz, &f->a));
  PetscCall(PetscArraycpy(f->i, i, m + 1));
  PetscCall(PetscArraycpy(f->j, j, nnz));
  for (PetscInt k = 0; k < nnz; k++) f->a[k] = (float)PetscRealPart(v[k]);
  f->m = m;
  PetscCall(MatSeqAIJRestoreArrayRead(B, &v));
  PetscCall(MatRestoreRowIJ(B, 0, PETSC_FALSE, PETSC_FALSE, &m, &i, &j, &done));
  PetscFunctionReturn(0);
}

static PetscErrorCode FloatFactorCreate(Mat F, FloatFactor *f)
{
  PetscBool mpi;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)F, MATMPIAIJ, &mpi));
  if (!mpi) {
    PetscCall(FloatCSRCreate(F, &f->d));
    PetscFunctionReturn(0);
  }
  {
    Mat             Ad, Ao;
    const PetscInt *garray;
    PetscInt        nghost;
    IS              is;
    Vec             x;

    PetscCall(MatMPIAIJGetSeqAIJ(F, &Ad, &Ao, &garray));
    PetscCall(FloatCSRCreate(Ad, &f->d));
    PetscCall(FloatCSRCreate(Ao, &f->o));
    PetscCall(MatGetSize(Ao, NULL, &nghost));
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nghost, garray, PETSC_COPY_VALUES, &is));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, nghost, &f->ghost));
    PetscCall(MatCreateVecs(F, &x, NULL));
    PetscCall(VecScatterCreate(x, is, f->ghost, NULL, &f->scatter));
    PetscCall(VecDestroy(&x));
    PetscCall(ISDestroy(&is));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FloatFactorDestroy(FloatFactor *f)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(f->d.i, f->d.j, f->d.a));
  PetscCall(PetscFree3(f->o.i, f->o.j, f->o.a));
  PetscCall(VecScatterDestroy(&f->scatter));
  PetscCall(VecDestroy(&f->ghost));
  PetscFunctionReturn(0);
}

/* y = B x (add = 0) or y += B x (add = 1), double sums over float values */
static void FloatCSRMult(const FloatCSR *B, const PetscScalar *x, PetscScalar *y, int add)
{
  for (PetscInt r = 0; r < B->m; r++) {
    const PetscInt *j = B->j + B->i[r];
    const float    *a = B->a + B->i[r];
    const PetscInt  l = B->i[r + 1] - B->i[r];
    PetscScalar     s = add ? y[r] : 0;
    for (PetscInt k = 0; k < l; k++) s += (PetscScalar)a[k] * x[j[k]];
    y[r] = s;
  }
}

static PetscErrorCode FloatFactorMult(FloatFactor *f, Vec x, Vec y)
{
  const PetscScalar *xa, *ga;
  PetscScalar       *ya;

  PetscFunctionBegin;
  if (f->scatter) PetscCall(VecScatterBegin(f->scatter, x, f->ghost, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArrayWrite(y, &ya));
  FloatCSRMult(&f->d, xa, ya, 0);
  PetscCall(VecRestoreArrayRead(x, &xa));
  if (f->scatter) {
    PetscCall(VecScatterEnd(f->scatter, x, f->ghost, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecGetArrayRead(f->ghost, &ga));
    FloatCSRMult(&f->o, ga, ya, 1);
    PetscCall(VecRestoreArrayRead(f->ghost, &ga));
  }
  PetscCall(VecRestoreArrayWrite(y, &ya));
  /* 2 flops per stored value, as PETSc counts MatMult */
  PetscCall(PetscLogFlops(2.0 * (f->d.i[f->d.m] + (f->o.m ? f->o.i[f->o.m] : 0))));
  PetscFunctionReturn(0);
}

/* The values of F (seqaij or mpiaij) rounded to float, in place */
static PetscErrorCode RoundValues(Mat F)
{
  PetscBool mpi;
  Mat       B[2];
  PetscInt  nb = 1;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)F, MATMPIAIJ, &mpi));
  if (mpi) {
    PetscCall(MatMPIAIJGetSeqAIJ(F, &B[0], &B[1], NULL));
    nb = 2;
  } else B[0] = F;
  for (PetscInt b = 0; b < nb; b++) {
    PetscScalar *v;
    MatInfo      info;
    PetscCall(MatGetInfo(B[b], MAT_LOCAL, &info));
    PetscCall(MatSeqAIJGetArray(B[b], &v));
    for (PetscInt k = 0; k < (PetscInt)info.nz_used; k++) v[k] = (PetscScalar)(float)PetscRealPart(v[k]);
    PetscCall(MatSeqAIJRestoreArray(B[b], &v));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PCGCVAESingleCreate(Mat A, Mat R, PCGCVAESingle *s)
{
  Mat Rtt;
  Vec d;

  PetscFunctionBegin;
  PetscCall(PetscNew(s));
  PetscCall(MatCreateVecs(A, &d, &(*s)->t));
  PetscCall(MatGetDiagonal(A, d));
  PetscCall(VecSqrtAbs(d));
  PetscCall(MatDiagonalScale(R, d, NULL)); /* R~ = D^{1/2} R */
  PetscCall(RoundValues(R));
  PetscCall(MatTranspose(R, MAT_INITIAL_MATRIX, &Rtt));
  PetscCall(FloatFactorCreate(R, &(*s)->R));
  PetscCall(FloatFactorCreate(Rtt, &(*s)->Rt));
  PetscCall(MatDestroy(&Rtt));
  PetscCall(VecReciprocal(d));
  PetscCall(MatDiagonalScale(R, d, NULL)); /* R = D^{-1/2} float(R~): the R applied */
  (*s)->d = d;
  PetscFunctionReturn(0);
}

PetscErrorCode PCGCVAESingleDestroy(PCGCVAESingle *s)
{
  PetscFunctionBegin;
  if (!*s) PetscFunctionReturn(0);
  PetscCall(FloatFactorDestroy(&(*s)->R));
  PetscCall(FloatFactorDestroy(&(*s)->Rt));
  PetscCall(VecDestroy(&(*s)->d));
  PetscCall(VecDestroy(&(*s)->t));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

/* y = R x = D^{-1/2} (R~ x) */
PetscErrorCode PCGCVAESingleMultR(PCGCVAESingle s, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(FloatFactorMult(&s->R, x, y));
  PetscCall(VecPointwiseMult(y, y, s->d));
  PetscFunctionReturn(0);
}

/* y = R^T x = R~^T (D^{-1/2} x) */
PetscErrorCode PCGCVAESingleMultRt(PCGCVAESingle s, Vec x, Vec y)
{
  PetscFunctionBegin;
  PetscCall(VecPointwiseMult(s->t, x, s->d));
  PetscCall(FloatFactorMult(&s->Rt, s->t, y));
  PetscFunctionReturn(0);
}
