/* Private to src/input.c and src/model.c: what a prepared matrix holds. */
#ifndef GCVAE_INPUTIMPL_H
#define GCVAE_INPUTIMPL_H

#include <gcvae_model.h>

struct _n_GCVAEInput {
  PetscInt  n;       /* matrix size = nodes of the graph */
  PetscInt  nnz;     /* nnz(A~) = directed edges of the graph, self loops included */
  PetscInt  mnnz;    /* nnz(M) = mask entries = outputs r~ */
  PetscInt *rowptr;  /* (n + 1) pattern(A~), sorted CSR: the GATv2 graph */
  PetscInt *colind;  /* (nnz) */
  PetscInt *mrow;    /* (mnnz) row i of each mask entry, in M's CSR order */
  PetscInt *mcol;    /* (mnnz) column j of each mask entry */
  nnreal   *xnode;   /* (n, GCVAE_NODE_FEATURES) node features */
  nnreal   *xedge;   /* (nnz, GCVAE_EDGE_FEATURES) edge features */
  nnreal   *xmask;   /* (mnnz, GCVAE_MASK_FEATURES) mask entry features */
  PetscInt  P;       /* side of the attached inverse image, 0 when none */
  nnreal   *image;   /* (P, P) log(1 + image / mean(image)), or NULL */
};

#endif
