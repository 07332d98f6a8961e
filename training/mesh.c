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
  /* mark the boundary before distributing: afterwards the faces between processes
     also have a single local cell */
  PetscCall(DMCreateLabel(*dm, "marker"));
  PetscCall(DMGetLabel(*dm, "marker", &label));
  PetscCall(DMPlexMarkBoundaryFaces(*dm, 1, label));
  PetscCall(DMPlexLabelComplete(*dm, label));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1) {
    DM dist = NULL;
    PetscCall(DMPlexDistribute(*dm, 0, NULL, &dist));
    if (dist) {
      PetscCall(DMDestroy(dm));
      *dm = dist;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDofCoordinates(DM dm, PetscReal coords[])
{
  PetscSection gs, cs;
  Vec          cl;
  PetscInt     rstart;

  PetscFunctionBegin;
  PetscCall(DMGetGlobalSection(dm, &gs));
  PetscCall(DMGetCoordinatesLocal(dm, &cl));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  {
    Vec g;
    PetscCall(DMGetGlobalVector(dm, &g));
    PetscCall(VecGetOwnershipRange(g, &rstart, NULL));
    PetscCall(DMRestoreGlobalVector(dm, &g));
  }
  for (PetscInt depth = 0; depth <= 1; depth++) {
    PetscInt ps, pe;
    PetscCall(DMPlexGetDepthStratum(dm, depth, &ps, &pe));
    for (PetscInt p = ps; p < pe; p++) {
      PetscInt     dof, off, sz, nv;
      PetscScalar *x = NULL;
      PetscCall(PetscSectionGetDof(gs, p, &dof));
      PetscCall(PetscSectionGetOffset(gs, p, &off));
      if (dof <= 0 || off < 0) continue; /* no dof, constrained (boundary) or not owned */
      PetscCheck(dof == 1, PETSC_COMM_SELF, PETSC_ERR_SUP, "Only scalar elements with one dof per vertex/edge are supported");
      PetscCall(DMPlexVecGetClosure(dm, cs, cl, p, &sz, &x)); /* the point's vertices' coordinates */
      nv                             = sz / 2;
      coords[2 * (off - rstart)]     = 0;
      coords[2 * (off - rstart) + 1] = 0;
      for (PetscInt v = 0; v < nv; v++) {
        coords[2 * (off - rstart)] += PetscRealPart(x[2 * v]) / nv;
        coords[2 * (off - rstart) + 1] += PetscRealPart(x[2 * v + 1]) / nv;
      }
      PetscCall(DMPlexVecRestoreClosure(dm, cs, cl, p, &sz, &x));
    }
  }
  PetscFunctionReturn(0);
}
