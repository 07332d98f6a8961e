/*
   Registration of the library's PETSc types: called by the tools, and by
   PETSc itself when the library is loaded with -dll_append path/libgcvae.so.
*/
#include <gcvae.h>

static PetscBool GCVAEPackageInitialized = PETSC_FALSE;

/* Called by PetscFinalize(), so that a later PetscInitialize() registers again. */
static PetscErrorCode GCVAEFinalizePackage(void)
{
  PetscFunctionBegin;
  GCVAEPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
   GCVAEInitializePackage - Registers the PC types of the library (PCFSAI). Safe to call
   more than once.

   Not Collective

   Level: developer

.seealso: `PCFSAI`, `PetscDLLibraryRegister_gcvae()`
@*/
PetscErrorCode GCVAEInitializePackage(void)
{
  PetscFunctionBegin;
  if (GCVAEPackageInitialized) PetscFunctionReturn(0);
  GCVAEPackageInitialized = PETSC_TRUE;
  PetscCall(PCRegister(PCFSAI, PCCreate_FSAI));
  PetscCall(PetscRegisterFinalize(GCVAEFinalizePackage));
  PetscFunctionReturn(0);
}

/*
   PetscDLLibraryRegister_gcvae - Entry point PETSc calls when it opens libgcvae.so
   (-dll_append or -dll_prepend); the name follows the library's file name.
*/
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_gcvae(void)
{
  PetscFunctionBegin;
  PetscCall(GCVAEInitializePackage());
  PetscFunctionReturn(0);
}
