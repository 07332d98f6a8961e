/* A factored SPAI as a PETSc PC: M^{-1} = R R^T, applied as y = R (R^T x), with the
   split pieces for KSP types that apply the preconditioner symmetrically (R^T on the
   left, R on the right). Used for the per-matrix optimum rows of the comparison;
   PCGCVAE (petsc-plugin/) applies its generated R the same way. */
#include <gcvae.h>

typedef struct {
  Mat R;    /* the factor (reference held) */
  Vec work; /* R^T x */
} SPAIShell;

static PetscErrorCode Apply(PC pc, Vec x, Vec y)
{
  SPAIShell *s;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &s));
  PetscCall(MatMultTranspose(s->R, x, s->work));
  PetscCall(MatMult(s->R, s->work, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode ApplyLeft(PC pc, Vec x, Vec y)
{
  SPAIShell *s;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &s));
  PetscCall(MatMultTranspose(s->R, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode ApplyRight(PC pc, Vec x, Vec y)
{
  SPAIShell *s;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &s));
  PetscCall(MatMult(s->R, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy(PC pc)
{
  SPAIShell *s;

  PetscFunctionBegin;
  PetscCall(PCShellGetContext(pc, &s));
  PetscCall(MatDestroy(&s->R));
  PetscCall(VecDestroy(&s->work));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEPCSetFactor(PC pc, Mat R)
{
  SPAIShell *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  PetscCall(PetscObjectReference((PetscObject)R));
  s->R = R;
  PetscCall(MatCreateVecs(R, &s->work, NULL));
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, s));
  PetscCall(PCShellSetApply(pc, Apply));
  PetscCall(PCShellSetApplySymmetricLeft(pc, ApplyLeft));
  PetscCall(PCShellSetApplySymmetricRight(pc, ApplyRight));
  PetscCall(PCShellSetDestroy(pc, Destroy));
  PetscCall(PCShellSetName(pc, "SPAI factor R: M^-1 = R R^T"));
  PetscFunctionReturn(0);
}
