/*
   PC type "fsai": the factorized sparse approximate inverse of Kolotilina and
   Yeremin for SPD matrices,

       M^{-1} = G^T G,   G lower triangular with the pattern of tril(A).

   Row i of G has the pattern J_i = { j <= i : a_ij != 0 } (which holds i). It is
   found from the small dense SPD system A[J_i,J_i] y = e_i (Cholesky, LAPACK
   potrf/potrs) and scaled, G[i,J_i] = y / sqrt(y_i), so that

       (G A)[i,j] = 0 for j in J_i \ {i}   and   diag(G A G^T) = 1.

   The rows are independent: each rank computes its own rows of G from the rows
   of A that their patterns touch, gathered once with MatCreateSubMatrices(), so
   the factor does not depend on the number of processes (to rounding).
   Only the lower triangle of A enters G (A is assumed symmetric); every stored entry is
   checked for NaN/Inf.
*/
#include <petsc/private/pcimpl.h> /*I "petscpc.h" I*/
#include <petscblaslapack.h>
#include <gcvae.h>

/*
   Private context of the FSAI preconditioner.
*/
typedef struct {
  Mat            G;         /* the factor: lower triangular, A's row and column layout */
  Vec            work;      /* holds G x between the two products of PCApply */
  PetscLogDouble nnzG;      /* nonzeros of G, summed over all ranks */
  PetscLogDouble nnzA;      /* nonzeros of the preconditioning matrix, summed over all ranks */
  PetscLogDouble setuptime; /* wall time of the last PCSetUp (seconds, max over ranks) */
} PC_FSAI;

static PetscLogEvent PC_FSAI_SetUp;                 /* "PCFSAISetUp": building G */
static PetscBool     PC_FSAI_EventRegistered = PETSC_FALSE;

/* Why the set-up refused a matrix; the first fault (lowest row) is reported on all ranks. */
typedef enum {
  FSAI_OK = 0,
  FSAI_NO_DIAGONAL,   /* row has no stored diagonal entry */
  FSAI_NONPOS_DIAG,   /* a_ii <= 0 */
  FSAI_NOT_FINITE,    /* a_ij is NaN or Inf */
  FSAI_NOT_SPD        /* potrf failed on A[J_i,J_i] */
} FSAIFault;

typedef struct {
  FSAIFault kind;  /* FSAI_OK when nothing is wrong on this rank */
  PetscInt  row;   /* global row of the fault */
  PetscInt  col;   /* column of the offending entry (NOT_FINITE, diagonal faults) */
  PetscReal value; /* the offending value (NOT_FINITE, NONPOS_DIAG) */
  PetscInt  size;  /* |J_i| (NOT_SPD) */
  PetscInt  minor; /* order of the leading minor that is not positive (NOT_SPD) */
} FSAIFaultInfo;

static PetscErrorCode PCFSAIFinalizeEvent_Private(void)
{
  PetscFunctionBegin;
  PC_FSAI_EventRegistered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*
   Makes the fault with the lowest row over all ranks known to every rank, so that
   all of them raise the same error and none is left waiting in a collective call.
*/
static PetscErrorCode PCFSAIReduceFault_Private(MPI_Comm comm, FSAIFaultInfo *fault)
{
  PetscInt  myrow = fault->kind == FSAI_OK ? PETSC_MAX_INT : fault->row, row;
  PetscReal mydet[5] = {0, 0, 0, 0, 0}, det[5];

  PetscFunctionBegin;
  PetscCall(MPIU_Allreduce(&myrow, &row, 1, MPIU_INT, MPI_MIN, comm));
  if (row == PETSC_MAX_INT) PetscFunctionReturn(0);
  if (myrow == row) { /* the owner of the row sends the details */
    mydet[0] = (PetscReal)fault->kind;
    mydet[1] = (PetscReal)fault->col;
    mydet[2] = fault->value;
    mydet[3] = (PetscReal)fault->size;
    mydet[4] = (PetscReal)fault->minor;
  }
  PetscCall(MPIU_Allreduce(mydet, det, 5, MPIU_REAL, MPIU_SUM, comm));
  fault->kind  = (FSAIFault)(int)det[0];
  fault->row   = row;
  fault->col   = (PetscInt)det[1];
  fault->value = det[2];
  fault->size  = (PetscInt)det[3];
  fault->minor = (PetscInt)det[4];
  PetscFunctionReturn(0);
}

/* The error for a fault (made global by PCFSAIReduceFault_Private()). */
static PetscErrorCode PCFSAIRaiseFault_Private(MPI_Comm comm, const FSAIFaultInfo *f)
{
  PetscFunctionBegin;
  switch (f->kind) {
  case FSAI_OK:
    break;
  case FSAI_NO_DIAGONAL:
    SETERRQ(comm, PETSC_ERR_MAT_CH_ZRPVT, "PCFSAI needs a positive diagonal: row %" PetscInt_FMT " has no diagonal entry (zero diagonal)", f->row);
  case FSAI_NONPOS_DIAG:
    SETERRQ(comm, PETSC_ERR_MAT_CH_ZRPVT, "PCFSAI needs a positive diagonal: A(%" PetscInt_FMT ",%" PetscInt_FMT ") = %g in row %" PetscInt_FMT " is %s", f->row, f->row, (double)f->value, f->row, f->value == 0 ? "zero" : "negative");
  case FSAI_NOT_FINITE:
    SETERRQ(comm, PETSC_ERR_FP, "PCFSAI: entry A(%" PetscInt_FMT ",%" PetscInt_FMT ") = %g in row %" PetscInt_FMT " is not finite (NaN or Inf)", f->row, f->col, (double)f->value, f->row);
  case FSAI_NOT_SPD:
    SETERRQ(comm, PETSC_ERR_MAT_CH_ZRPVT,
            "PCFSAI needs an SPD matrix: the %" PetscInt_FMT " x %" PetscInt_FMT " block A[J,J] of row %" PetscInt_FMT " (J = its columns j <= %" PetscInt_FMT ") is not positive definite (Cholesky fails at leading minor %" PetscInt_FMT ")",
            f->size, f->size, f->row, f->row, f->minor);
  }
  PetscFunctionReturn(0);
}

/*
   Pattern J_i of every local row (global column indices, sorted), in CSR form,
   with the checks on the diagonal and the finiteness of every local entry.
   Explicitly stored zeros off the diagonal are left out of J_i.
*/
static PetscErrorCode PCFSAIBuildPattern_Private(Mat A, PetscInt **ji, PetscInt **jj, FSAIFaultInfo *fault)
{
  PetscInt rstart, rend, m, i, k, pass, cnt;
  PetscInt *ia = NULL, *ja = NULL;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  m = rend - rstart;
  PetscCall(PetscCalloc1(m + 1, &ia));
  /* pass 0 counts and checks, pass 1 fills */
  for (pass = 0; pass < 2; pass++) {
    for (i = rstart; i < rend; i++) {
      const PetscInt    *cols;
      const PetscScalar *vals;
      PetscInt           ncols;
      PetscBool          hasdiag = PETSC_FALSE;

      PetscCall(MatGetRow(A, i, &ncols, &cols, &vals));
      cnt = 0;
      for (k = 0; k < ncols; k++) {
        if (pass == 0 && fault->kind == FSAI_OK && PetscIsInfOrNanScalar(vals[k])) {
          fault->kind  = FSAI_NOT_FINITE;
          fault->row   = i;
          fault->col   = cols[k];
          fault->value = PetscRealPart(vals[k]);
        }
        if (cols[k] > i) continue;
        if (cols[k] == i) {
          hasdiag = PETSC_TRUE;
          if (pass == 0 && fault->kind == FSAI_OK && !(PetscRealPart(vals[k]) > 0)) {
            fault->kind  = FSAI_NONPOS_DIAG;
            fault->row   = i;
            fault->col   = i;
            fault->value = PetscRealPart(vals[k]);
          }
        } else if (vals[k] == (PetscScalar)0) continue;
        if (pass == 1) ja[ia[i - rstart] + cnt] = cols[k];
        cnt++;
      }
      PetscCall(MatRestoreRow(A, i, &ncols, &cols, &vals));
      if (pass == 0) {
        if (!hasdiag && fault->kind == FSAI_OK) {
          fault->kind = FSAI_NO_DIAGONAL;
          fault->row  = i;
          fault->col  = i;
        }
        ia[i - rstart + 1] = ia[i - rstart] + cnt;
      }
    }
    if (pass == 0) {
      if (fault->kind != FSAI_OK) break; /* the caller reports it; no fill */
      PetscCall(PetscMalloc1(ia[m], &ja));
    }
  }
  *ji = ia;
  *jj = ja;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_FSAI(PC);

/*
   PCSetUp_FSAI - Builds G row by row from the dense blocks A[J_i,J_i].
*/
static PetscErrorCode PCSetUp_FSAI(PC pc)
{
  PC_FSAI       *fsai = (PC_FSAI *)pc->data;
  Mat            A    = pc->pmat, *sub = NULL, S;
  MPI_Comm       comm;
  FSAIFaultInfo  fault = {FSAI_OK, -1, -1, 0, 0, 0};
  PetscInt       M, N, m, n, rstart, rend, cstart, cend, i, k, t, q, nidx, kmax = 0, *ia = NULL, *ja = NULL, *idx = NULL, *dnnz, *onnz, *loc;
  PetscMPIInt    lbad, bad;
  PetscBool      isaij;
  PetscScalar   *D, *rhs;
  IS             is;
  MatInfo        info;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscObjectGetComm((PetscObject)pc, &comm));
  PetscCall(PCReset_FSAI(pc));

  /* what the matrix must be: square AIJ with equal row and column layouts */
  PetscCall(MatGetSize(A, &M, &N));
  PetscCheck(M == N, comm, PETSC_ERR_ARG_SIZ, "PCFSAI needs a square matrix: A is %" PetscInt_FMT " x %" PetscInt_FMT, M, N);
  PetscCall(PetscObjectBaseTypeCompareAny((PetscObject)A, &isaij, MATSEQAIJ, MATMPIAIJ, ""));
  PetscCheck(isaij, comm, PETSC_ERR_SUP, "PCFSAI needs an AIJ matrix (MATSEQAIJ or MATMPIAIJ), not %s", ((PetscObject)A)->type_name);
  PetscCall(MatGetLocalSize(A, &m, &n));
  lbad = (PetscMPIInt)(m != n);
  PetscCall(MPIU_Allreduce(&lbad, &bad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!bad, comm, PETSC_ERR_ARG_SIZ, "PCFSAI needs the same row and column layout on every rank (local sizes differ)");
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  PetscCall(MatGetOwnershipRangeColumn(A, &cstart, &cend));
  PetscCall(PetscLogEventBegin(PC_FSAI_SetUp, pc, A, 0, 0));

  /* the patterns J_i of the local rows, and the diagonal/finiteness checks */
  PetscCall(PCFSAIBuildPattern_Private(A, &ia, &ja, &fault));
  PetscCall(PCFSAIReduceFault_Private(comm, &fault));
  if (fault.kind != FSAI_OK) {
    PetscCall(PetscFree(ia));
    PetscCall(PetscFree(ja));
    PetscCall(PetscLogEventEnd(PC_FSAI_SetUp, pc, A, 0, 0));
    PetscCall(PCFSAIRaiseFault_Private(comm, &fault));
  }

  /* gather the rows and columns of A that the local patterns touch: their union, sorted */
  nidx = ia[m];
  PetscCall(PetscMalloc1(nidx, &idx));
  PetscCall(PetscArraycpy(idx, ja, nidx));
  PetscCall(PetscSortRemoveDupsInt(&nidx, idx));
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nidx, idx, PETSC_OWN_POINTER, &is));
  PetscCall(MatCreateSubMatrices(A, 1, &is, &is, MAT_INITIAL_MATRIX, &sub));
  S = sub[0];

  /* G: A's layout, exact preallocation from the patterns */
  PetscCall(PetscMalloc2(m, &dnnz, m, &onnz));
  for (i = 0; i < m; i++) {
    dnnz[i] = onnz[i] = 0;
    for (k = ia[i]; k < ia[i + 1]; k++) {
      if (ja[k] >= cstart && ja[k] < cend) dnnz[i]++;
      else onnz[i]++;
    }
    kmax = PetscMax(kmax, ia[i + 1] - ia[i]);
  }
  PetscCall(MatCreate(comm, &fsai->G));
  PetscCall(MatSetSizes(fsai->G, m, n, M, N));
  PetscCall(MatSetType(fsai->G, MATAIJ));
  PetscCall(MatSeqAIJSetPreallocation(fsai->G, 0, dnnz));
  PetscCall(MatMPIAIJSetPreallocation(fsai->G, 0, dnnz, 0, onnz));
  PetscCall(MatSetOption(fsai->G, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  PetscCall(PetscFree2(dnnz, onnz));

  /* one small dense SPD solve per row: A[J_i,J_i] y = e_last (i is the last index of J_i) */
  PetscCall(PetscMalloc3(kmax * kmax, &D, kmax, &rhs, kmax, &loc));
  for (i = 0; i < m && fault.kind == FSAI_OK; i++) {
    const PetscInt *J = ja + ia[i];
    PetscInt        nJ = ia[i + 1] - ia[i];
    PetscBLASInt    bn, one = 1, linfo = 0;
    PetscReal       scale;

    /* positions of J_i in the gathered matrix S (sorted, since J_i and idx are) */
    for (t = 0; t < nJ; t++) {
      PetscCall(PetscFindInt(J[t], nidx, idx, &loc[t]));
      PetscCheck(loc[t] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "PCFSAI: column %" PetscInt_FMT " missing from the gathered rows", J[t]);
    }
    /* lower triangle of A[J_i,J_i], column-major: D[t + s*nJ] = a(J_t, J_s), s <= t */
    PetscCall(PetscArrayzero(D, nJ * nJ));
    for (t = 0; t < nJ; t++) {
      const PetscInt    *cols;
      const PetscScalar *vals;
      PetscInt           ncols, s;

      PetscCall(MatGetRow(S, loc[t], &ncols, &cols, &vals));
      for (q = 0; q < ncols && cols[q] <= loc[t]; q++) {
        PetscCall(PetscFindInt(cols[q], t + 1, loc, &s));
        if (s >= 0) D[t + s * nJ] = vals[q];
      }
      PetscCall(MatRestoreRow(S, loc[t], &ncols, &cols, &vals));
    }
    PetscCall(PetscBLASIntCast(nJ, &bn));
    PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("L", &bn, D, &bn, &linfo));
    PetscCheck(linfo >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK potrf: illegal argument %d", (int)-linfo);
    if (linfo > 0) {
      fault.kind  = FSAI_NOT_SPD;
      fault.row   = rstart + i;
      fault.size  = nJ;
      fault.minor = linfo;
      break;
    }
    PetscCall(PetscArrayzero(rhs, nJ));
    rhs[nJ - 1] = 1.0;
    PetscCallBLAS("LAPACKpotrs", LAPACKpotrs_("L", &bn, &one, D, &bn, rhs, &bn, &linfo));
    PetscCheck(linfo == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "LAPACK potrs: info %d", (int)linfo);
    /* y_i = e_i^T A_J^{-1} e_i > 0 since A_J is SPD */
    scale = 1.0 / PetscSqrtReal(PetscRealPart(rhs[nJ - 1]));
    for (t = 0; t < nJ; t++) rhs[t] *= scale;
    k = rstart + i;
    PetscCall(MatSetValues(fsai->G, 1, &k, nJ, J, rhs, INSERT_VALUES));
  }
  PetscCall(PetscFree3(D, rhs, loc));
  PetscCall(MatDestroySubMatrices(1, &sub));
  PetscCall(ISDestroy(&is));
  PetscCall(PetscFree(ia));
  PetscCall(PetscFree(ja));
  PetscCall(PCFSAIReduceFault_Private(comm, &fault));
  if (fault.kind != FSAI_OK) {
    PetscCall(PCReset_FSAI(pc));
    PetscCall(PetscLogEventEnd(PC_FSAI_SetUp, pc, A, 0, 0));
    PetscCall(PCFSAIRaiseFault_Private(comm, &fault));
  }
  PetscCall(MatAssemblyBegin(fsai->G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(fsai->G, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreateVecs(fsai->G, NULL, &fsai->work));

  PetscCall(MatGetInfo(fsai->G, MAT_GLOBAL_SUM, &info));
  fsai->nnzG = info.nz_used;
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
  fsai->nnzA = info.nz_used;
  PetscCall(PetscLogEventEnd(PC_FSAI_SetUp, pc, A, 0, 0));
  PetscCall(PetscTime(&t1));
  t1 -= t0;
  PetscCall(MPIU_Allreduce(&t1, &fsai->setuptime, 1, MPIU_PETSCLOGDOUBLE, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

/*
   PCApply_FSAI - y = G^T (G x). M^{-1} is symmetric, so it is also the transpose apply.
*/
static PetscErrorCode PCApply_FSAI(PC pc, Vec x, Vec y)
{
  PC_FSAI *fsai = (PC_FSAI *)pc->data;

  PetscFunctionBegin;
  PetscCall(MatMult(fsai->G, x, fsai->work));
  PetscCall(MatMultTranspose(fsai->G, fsai->work, y));
  PetscFunctionReturn(0);
}

/*
   Symmetric application: KSP with PC_SYMMETRIC works with Left A Right = G A G^T,
   so the left part is G and the right part is G^T (as ICC's are L^{-1} and L^{-T}).
*/
static PetscErrorCode PCApplySymmetricLeft_FSAI(PC pc, Vec x, Vec y)
{
  PC_FSAI *fsai = (PC_FSAI *)pc->data;

  PetscFunctionBegin;
  PetscCall(MatMult(fsai->G, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApplySymmetricRight_FSAI(PC pc, Vec x, Vec y)
{
  PC_FSAI *fsai = (PC_FSAI *)pc->data;

  PetscFunctionBegin;
  PetscCall(MatMultTranspose(fsai->G, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCReset_FSAI(PC pc)
{
  PC_FSAI *fsai = (PC_FSAI *)pc->data;

  PetscFunctionBegin;
  PetscCall(MatDestroy(&fsai->G));
  PetscCall(VecDestroy(&fsai->work));
  fsai->nnzG = fsai->nnzA = fsai->setuptime = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_FSAI(PC pc)
{
  PetscFunctionBegin;
  PetscCall(PCReset_FSAI(pc));
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCFSAIGetFactor_C", NULL));
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_FSAI(PC pc, PetscViewer viewer)
{
  PC_FSAI  *fsai = (PC_FSAI *)pc->data;
  PetscBool iascii;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  if (!fsai->G) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  FSAI: not set up yet\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(viewer, "  FSAI: M^{-1} = G^T G, G lower triangular on the pattern of tril(A)\n"));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  nnz(G) = %.0f, nnz(A) = %.0f, nnz(G)/nnz(A) = %.3f\n", fsai->nnzG, fsai->nnzA, fsai->nnzA > 0 ? fsai->nnzG / fsai->nnzA : 0.0));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  setup time %.3g s\n", fsai->setuptime));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCFSAIGetFactor_FSAI(PC pc, Mat *G)
{
  PC_FSAI *fsai = (PC_FSAI *)pc->data;

  PetscFunctionBegin;
  PetscCheck(fsai->G, PetscObjectComm((PetscObject)pc), PETSC_ERR_ORDER, "PCFSAIGetFactor: call PCSetUp() (or KSPSetUp()) first");
  *G = fsai->G;
  PetscFunctionReturn(0);
}

/*MC
   PCFSAI - Factorized sparse approximate inverse (Kolotilina-Yeremin) for SPD matrices:
   M^{-1} = G^T G with G lower triangular on the nonzero pattern of tril(A).

   Row i of G solves the small dense SPD system A[J_i,J_i] y = e_i, J_i = { j <= i : a_ij != 0 },
   and is scaled to G[i,J_i] = y / sqrt(y_i), so that diag(G A G^T) = 1 and (G A)[i,j] = 0 for
   j in J_i other than i. Each row is independent, so the set-up is parallel without communication
   beyond gathering the rows of A the local patterns touch.

   Level: intermediate

   Notes:
   For `MATSEQAIJ` and `MATMPIAIJ` matrices; only the lower triangle of A is read. The set-up fails
   with a clear error for a non-square matrix, a zero or negative diagonal entry, a NaN or Inf entry,
   or a block A[J_i,J_i] that is not positive definite (the matrix is then not SPD).
   Supports `KSPSetPCSide`(ksp, `PC_SYMMETRIC`): the left part is G, the right part G^T.
   The library registers the type in `GCVAEInitializePackage()`; any PETSc program can load it with
   -dll_append /path/to/libgcvae.so -pc_type fsai.

   References:
   L. Yu. Kolotilina and A. Yu. Yeremin, Factorized sparse approximate inverse preconditionings I.
   Theory, SIAM J. Matrix Anal. Appl. 14 (1993) 45-58.

.seealso: `PCCreate()`, `PCSetType()`, `PCType`, `PC`, `PCICC`, `PCJACOBI`, `PCFSAIGetFactor()`
M*/
PETSC_EXTERN PetscErrorCode PCCreate_FSAI(PC pc)
{
  PC_FSAI *fsai;

  PetscFunctionBegin;
  if (!PC_FSAI_EventRegistered) {
    PetscCall(PetscLogEventRegister("PCFSAISetUp", PC_CLASSID, &PC_FSAI_SetUp));
    PetscCall(PetscRegisterFinalize(PCFSAIFinalizeEvent_Private));
    PC_FSAI_EventRegistered = PETSC_TRUE;
  }
  PetscCall(PetscNew(&fsai));
  pc->data = (void *)fsai;

  pc->ops->setup               = PCSetUp_FSAI;
  pc->ops->apply               = PCApply_FSAI;
  pc->ops->applytranspose      = PCApply_FSAI;
  pc->ops->applysymmetricleft  = PCApplySymmetricLeft_FSAI;
  pc->ops->applysymmetricright = PCApplySymmetricRight_FSAI;
  pc->ops->reset               = PCReset_FSAI;
  pc->ops->destroy             = PCDestroy_FSAI;
  pc->ops->view                = PCView_FSAI;
  pc->ops->setfromoptions      = NULL;
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCFSAIGetFactor_C", PCFSAIGetFactor_FSAI));
  PetscFunctionReturn(0);
}

/*@
   PCFSAIGetFactor - Gets the factor G of the FSAI preconditioner, M^{-1} = G^T G.

   Not Collective

   Input Parameter:
.  pc - the preconditioner context, of type `PCFSAI`, set up

   Output Parameter:
.  G - the lower triangular factor, in A's parallel layout; owned by the PC (do not destroy)

   Level: intermediate

   Note:
   Valid after `PCSetUp()` (or `KSPSetUp()`) until the next set-up or `PCReset()`.

.seealso: `PCFSAI`, `PCSetUp()`
@*/
PetscErrorCode PCFSAIGetFactor(PC pc, Mat *G)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidPointer(G, 2);
  PetscUseMethod(pc, "PCFSAIGetFactor_C", (PC, Mat *), (pc, G));
  PetscFunctionReturn(0);
}
