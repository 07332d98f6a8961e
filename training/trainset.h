/* gcvae-train's training data (training/trainset.c): one or several datasets of one family,
   every matrix prepared once and kept in memory for the whole run. */
#ifndef GCVAE_TRAINSET_H
#define GCVAE_TRAINSET_H

#include <gcvae_model.h>

/* One prepared matrix. */
typedef struct {
  Mat        A;      /* the dataset matrix (for CG) */
  Mat        At, M;  /* scaled matrix and mask */
  Mat        Rt;     /* R~ on the mask: values from the network */
  Vec        d;      /* D^{-1/2} */
  GCVAEInput in;
  GCVAELoss  loss;
  PetscReal  jacobi; /* loss of R~ = I */
  PetscInt   mnnz;
} TrainSample;

/* Test figures of one dataset, or of all of them (means over the matrices). */
typedef struct {
  PetscReal L, Lrel;            /* loss, loss / Jacobi loss */
  PetscReal its, its_jacobi;    /* CG iterations with the model's R and with Jacobi */
  PetscInt  ntest, ncg;         /* matrices the means are over */
} TrainEval;

/* The datasets in the order of -data. Training matrices of all of them form one array (dataset
   by dataset, each in its split order), so one seeded permutation of it shuffles the union and a
   single dataset is handled exactly as before several were possible. */
typedef struct {
  PetscInt      nds;
  char        **path;            /* as given in -data */
  GCVAEDataset *ds;
  PetscInt     *ntrain, *ntest;  /* matrices used of each (after -max_train, -max_test) */
  PetscInt     *train0, *test0;  /* dataset k's matrices: train[train0[k] ...], test[test0[k] ...] */
  PetscInt      ntrain_all, ntest_all;
  PetscInt      maxm;            /* largest mask over all matrices */
  TrainSample  *train, *test;
  TrainEval    *eval;            /* [nds + 1]: per dataset, then all together */
} TrainSet;

/* Opens the comma-separated list; errors (naming the file) for a missing file, a dataset of
   another family or image size than the first, or one without training matrices. */
PetscErrorCode TrainSetOpen(const char list[], PetscInt max_train, PetscInt max_test, TrainSet *);
/* The cnn decoder generates one matrix size: every dataset must have it (cnn_n > 0: that n,
   from a checkpoint; 0: the datasets' common n). */
PetscErrorCode TrainSetCheckCNN(const TrainSet *, PetscInt cnn_n);
/* What identifies the datasets of a run (one line each: path, then generator parameters and
   the training matrices used), stored in the checkpoint; PetscFree it. */
PetscErrorCode TrainSetDescribe(const TrainSet *, char **text);
/* Errors, clearly, when a checkpoint's description (stored) is not of these datasets. Paths
   may differ (a moved file is the same dataset); the order may not (it orders the shuffle). */
PetscErrorCode TrainSetCheckResume(const TrainSet *, const char ckpt[], const char stored[]);
/* The model header's training summary: family, the meshes ("m1,m2", truncated to the field),
   the largest n, the number of training matrices. */
PetscErrorCode TrainSetSummary(const TrainSet *, GCVAEModelHeader *);
/* Prepares every matrix (images for the training ones); prints the memory they hold. */
PetscErrorCode TrainSetPrepare(TrainSet *, PetscReal extra);
/* r -> R~'s values, then the loss (and, if grad != NULL, dL/dr~ in mask order). */
PetscErrorCode TrainSampleLoss(TrainSample *, const nnreal r[], PetscReal *L, PetscScalar grad[]);
/* Into ts->eval, with the MEAN latent: the test loss over every test matrix, or (cg) the CG
   iterations over the first eval_samples test matrices of each dataset. r: workspace of maxm. */
PetscErrorCode TrainSetEvaluate(TrainSet *, GCVAEModel, PetscBool cg, PetscInt eval_samples, nnreal r[]);
PetscErrorCode TrainSetDestroy(TrainSet *);

#endif
