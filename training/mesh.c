/* Meshes for the families: gmsh files of the unit square read by DMPlex. */
#include "family.h"

PetscErrorCode GCVAEMeshLoad(MPI_Comm comm, const char path[], PetscInt refine, DM *dm)
{
  PetscBool   exists;
  DMLabel     label;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCall(PetscTestFile(path, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "Mesh file %s does not exist or is not readable", path);
  PetscCheck(refine >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "Mesh refinement %" PetscInt_FMT " must be >= 0", refine);
  PetscCall(DMPlexCreateFromFile(comm, path, "mesh", PETSC_TRUE, dm));
  {
    PetscInt dim;
    PetscCall(DMGetDimension(*dm, &dim));
    PetscCheck(dim == 2, comm, PETSC_ERR_ARG_WRONG, "Mesh %s has dimension %" PetscInt_FMT "; the families are two-dimensional", path, dim);
  }
  for (PetscInt r = 0; r < refine; r++) {
    DM fine;
    PetscCall(DMRefine(*dm, comm, &fine));
    PetscCall(DMDestroy(dm));
    *dm = fine;
  }
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1) {
    DM dist = NULL;
    PetscCall(DMPlexDistribute(*dm, 0, NULL, &dist));
    if (dist) {
      PetscCall(DMDestroy(dm));
      *dm = dist;
    }
  }
  PetscCall(DMCreateLabel(*dm, "marker"));
  PetscCall(DMGetLabel(*dm, "marker", &label));
  PetscCall(DMPlexMarkBoundaryFaces(*dm, 1, label));
  PetscCall(DMPlexLabelComplete(*dm, label));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEVertexDofCoordinates(DM dm, PetscReal coords[])
{
  PetscSection       gs;
  Vec                cl;
  const PetscScalar *xa;
  PetscSection       cs;
  PetscInt           vs, ve, rstart;

  PetscFunctionBegin;
  PetscCall(DMGetGlobalSection(dm, &gs));
  PetscCall(DMGetCoordinatesLocal(dm, &cl));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vs, &ve));
  PetscCall(VecGetArrayRead(cl, &xa));
  {
    Vec g;
    PetscCall(DMGetGlobalVector(dm, &g));
    PetscCall(VecGetOwnershipRange(g, &rstart, NULL));
    PetscCall(DMRestoreGlobalVector(dm, &g));
  }
  for (PetscInt v = vs; v < ve; v++) {
    PetscInt dof, off, coff;
    PetscCall(PetscSectionGetDof(gs, v, &dof));
    PetscCall(PetscSectionGetOffset(gs, v, &off));
    if (dof <= 0 || off < 0) continue; /* constrained (boundary) or not owned */
    PetscCall(PetscSectionGetOffset(cs, v, &coff));
    coords[2 * (off - rstart)]     = PetscRealPart(xa[coff]);
    coords[2 * (off - rstart) + 1] = PetscRealPart(xa[coff + 1]);
  }
  PetscCall(VecRestoreArrayRead(cl, &xa));
  PetscFunctionReturn(0);
}
