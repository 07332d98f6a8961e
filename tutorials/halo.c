static char help[] = "The halo of distributed generation for many processes, simulated on one: the pieces PCGCVAE\n"
                     "would generate R on if the matrix were split into p parts (make bench-mpi).\n"
                     "  -load FILE.bin     the matrix (PETSc binary)\n"
                     "  -model FILE        the model whose halo depth is used (models/poisson.bin)\n"
                     "  -depth D           a halo of D hops instead (an approximate R: -pc_gcvae_halo_depth)\n"
                     "  -parts 2,4,...     numbers of parts (2,4,...,1024)\n"
                     "The parts come from MatPartitioning (-mat_partitioning_type, default ptscotch when PETSc\n"
                     "has it, which a PETSc user would call for the matrix's distribution), each piece from a\n"
                     "breadth-first search of D hops in A's graph (what MatIncreaseOverlap returns). Prints one\n"
                     "line 'halo p=... key=value ...' per p: the largest part's rows, the largest piece's rows\n"
                     "and nonzeros, and the mean over parts of piece rows / owned rows.\n";

#include <petscmat.h>
#include <petsctime.h>
#include <gcvae_model.h>

/* the pieces of the parts of one partitioning: the largest owned rows, piece rows and piece
   nonzeros, and the mean of piece rows / owned rows */
static PetscErrorCode Pieces(PetscInt n, const PetscInt *ai, const PetscInt *aj, const PetscInt *part, PetscInt p, PetscInt depth, PetscInt *omax, PetscInt *rmax, PetscInt64 *zmax, double *ratio)
{
  PetscInt *count, *start, *rows, *mark, *queue;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(p, &count, p + 1, &start));
  PetscCall(PetscMalloc3(n, &rows, n, &mark, n, &queue));
  for (PetscInt i = 0; i < n; i++) count[part[i]]++;
  for (PetscInt q = 0; q < p; q++) start[q + 1] = start[q] + count[q];
  for (PetscInt q = 0; q < p; q++) count[q] = start[q];
  for (PetscInt i = 0; i < n; i++) rows[count[part[i]]++] = i; /* rows by part */
  for (PetscInt i = 0; i < n; i++) mark[i] = -1;
  *omax = *rmax = 0;
  *zmax  = 0;
  *ratio = 0;
  for (PetscInt q = 0; q < p; q++) {
    PetscInt   len = 0, head = 0;
    PetscInt64 nz  = 0;
    for (PetscInt k = start[q]; k < start[q + 1]; k++) {
      mark[rows[k]] = q;
      queue[len++]  = rows[k];
    }
    for (PetscInt h = 0; h < depth; h++) { /* one hop: the neighbours of the last level */
      const PetscInt end = len;
      for (; head < end; head++)
        for (PetscInt k = ai[queue[head]]; k < ai[queue[head] + 1]; k++)
          if (mark[aj[k]] != q) {
            mark[aj[k]]  = q;
            queue[len++] = aj[k];
          }
    }
    for (PetscInt k = 0; k < len; k++) /* the piece's nonzeros: its rows, columns inside it */
      for (PetscInt c = ai[queue[k]]; c < ai[queue[k] + 1]; c++) nz += mark[aj[c]] == q;
    *omax = PetscMax(*omax, start[q + 1] - start[q]);
    *rmax = PetscMax(*rmax, len);
    *zmax = PetscMax(*zmax, nz);
    *ratio += (double)len / PetscMax(1, start[q + 1] - start[q]) / p;
  }
  PetscCall(PetscFree2(count, start));
  PetscCall(PetscFree3(rows, mark, queue));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char            file[PETSC_MAX_PATH_LEN] = "", modelfile[PETSC_MAX_PATH_LEN] = "models/poisson.bin";
  PetscInt        parts[32], np = 32, depth = -1, n;
  PetscBool       flg;
  PetscViewer     viewer;
  Mat             A, adj;
  const PetscInt *ai, *aj;
  PetscMPIInt     size;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCheck(size == 1, PETSC_COMM_WORLD, PETSC_ERR_SUP, "tutorials/halo simulates many processes on one: run it on one");
  PetscOptionsBegin(PETSC_COMM_WORLD, "", "Halo simulation options", "");
  PetscCall(PetscOptionsString("-load", "matrix (PETSc binary)", "halo.c", file, file, sizeof(file), NULL));
  PetscCall(PetscOptionsString("-model", "model whose halo depth is used", "halo.c", modelfile, modelfile, sizeof(modelfile), NULL));
  PetscCall(PetscOptionsInt("-depth", "halo hops instead of the model's", "halo.c", depth, &depth, NULL));
  PetscCall(PetscOptionsIntArray("-parts", "numbers of parts", "halo.c", parts, &np, &flg));
  PetscOptionsEnd();
  PetscCheck(file[0], PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "give -load FILE.bin");
  if (!flg) {
    np = 10;
    for (PetscInt k = 0; k < np; k++) parts[k] = 2 << k;
  }
  if (depth < 0) {
    GCVAEModel        model;
    GCVAEModelHeader *hdr;
    PetscCall(GCVAEModelLoad(PETSC_COMM_WORLD, modelfile, &model));
    PetscCall(GCVAEModelGetHeader(model, &hdr));
    depth = GCVAEHaloDepth(hdr, hdr->mask_extra);
    PetscCall(GCVAEModelDestroy(&model));
  }
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, file, FILE_MODE_READ, &viewer));
  PetscCall(MatCreate(PETSC_COMM_WORLD, &A));
  PetscCall(MatSetType(A, MATAIJ));
  PetscCall(MatLoad(A, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(MatConvert(A, MATMPIADJ, MAT_INITIAL_MATRIX, &adj)); /* the graph without the diagonal */
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &flg));
  for (PetscInt k = 0; k < np; k++) {
    MatPartitioning mp;
    IS              is;
    const PetscInt *part;
    PetscInt        omax = 0, rmax = 0;
    PetscInt64      zmax = 0;
    double          ratio = 0, t0, t1;
    PetscCall(PetscTime(&t0));
    PetscCall(MatPartitioningCreate(PETSC_COMM_WORLD, &mp));
    PetscCall(MatPartitioningSetAdjacency(mp, adj));
    PetscCall(MatPartitioningSetNParts(mp, parts[k]));
#if defined(PETSC_HAVE_PTSCOTCH)
    PetscCall(MatPartitioningSetType(mp, MATPARTITIONINGPTSCOTCH));
#endif
    PetscCall(MatPartitioningSetFromOptions(mp));
    PetscCall(MatPartitioningApply(mp, &is));
    PetscCall(ISGetIndices(is, &part));
    PetscCall(Pieces(n, ai, aj, part, parts[k], depth, &omax, &rmax, &zmax, &ratio));
    PetscCall(ISRestoreIndices(is, &part));
    PetscCall(PetscTime(&t1));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "halo p=%" PetscInt_FMT " n=%" PetscInt_FMT " depth=%" PetscInt_FMT " owned_max=%" PetscInt_FMT " piece_rows_max=%" PetscInt_FMT " piece_nnz_max=%" PetscInt64_FMT " piece_over_owned_mean=%.3f nnz=%" PetscInt_FMT " seconds=%.1f\n", parts[k], n, depth, omax, rmax, zmax, ratio, ai[n], t1 - t0));
    PetscCall(ISDestroy(&is));
    PetscCall(MatPartitioningDestroy(&mp));
  }
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &n, &ai, &aj, &flg));
  PetscCall(MatDestroy(&adj));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscFinalize());
  return 0;
}
