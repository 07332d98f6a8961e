/* gcvae-train's datasets and prepared matrices (see trainset.h). */
#include <string.h>
#include <petsctime.h>
#include "trainset.h"

PetscErrorCode TrainSetOpen(const char list[], PetscInt max_train, PetscInt max_test, TrainSet *ts)
{
  int                       argc = 0;
  char                    **args = NULL;
  const GCVAEDatasetHeader *h0, *h;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(ts, sizeof(*ts)));
  PetscCall(PetscStrToArray(list, ',', &argc, &args));
  PetscCheck(argc > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-data '%s': no dataset file", list);
  ts->nds = argc;
  PetscCall(PetscCalloc2(argc, &ts->path, argc, &ts->ds));
  PetscCall(PetscCalloc4(argc, &ts->ntrain, argc, &ts->ntest, argc + 1, &ts->train0, argc + 1, &ts->test0));
  PetscCall(PetscCalloc1(argc + 1, &ts->eval));
  for (PetscInt k = 0; k < ts->nds; k++) {
    const PetscInt *idx;
    PetscCall(PetscStrallocpy(args[k], &ts->path[k]));
    PetscCall(GCVAEDatasetOpen(PETSC_COMM_SELF, ts->path[k], &ts->ds[k]));
    PetscCall(GCVAEDatasetGetHeader(ts->ds[k], &h));
    PetscCall(GCVAEDatasetGetHeader(ts->ds[0], &h0));
    PetscCall(GCVAEDatasetGetSplit(ts->ds[k], GCVAE_SPLIT_TRAIN, &ts->ntrain[k], &idx));
    PetscCall(GCVAEDatasetGetSplit(ts->ds[k], GCVAE_SPLIT_TEST, &ts->ntest[k], &idx));
    if (max_train >= 0) ts->ntrain[k] = PetscMin(ts->ntrain[k], max_train);
    if (max_test >= 0) ts->ntest[k] = PetscMin(ts->ntest[k], max_test);
    PetscCheck(ts->ntrain[k] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s has no training matrices", ts->path[k]);
    /* one model serves one family: its loss normalisation and features assume one kind of matrix */
    {
      PetscBool same;
      PetscCall(PetscStrcmp(h->family, h0->family, &same));
      PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "-data: %s is of family %s, but %s is of family %s: all datasets of one training run must be of one family", ts->path[k], h->family, ts->path[0], h0->family);
    }
    /* the image encoder reads P x P images: one P and one kind for all */
    {
      PetscBool same;
      PetscCall(PetscStrcmp(h->image, h0->image, &same));
      PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "-data: %s has %s images, but %s has %s images: all datasets of one training run need one kind (gcvae-datagen -image)", ts->path[k], h->image, ts->path[0], h0->image);
    }
    PetscCheck(h->image_size == h0->image_size, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "-data: %s has image_size %" PetscInt_FMT ", but %s has %" PetscInt_FMT ": all datasets need one image size (gcvae-datagen -image_size)", ts->path[k], h->image_size, ts->path[0], h0->image_size);
    ts->train0[k + 1] = ts->train0[k] + ts->ntrain[k];
    ts->test0[k + 1]  = ts->test0[k] + ts->ntest[k];
  }
  ts->ntrain_all = ts->train0[ts->nds];
  ts->ntest_all  = ts->test0[ts->nds];
  PetscCall(PetscStrToArrayDestroy(argc, args));
  PetscFunctionReturn(0);
}

PetscErrorCode TrainSetCheckCNN(const TrainSet *ts, PetscInt cnn_n)
{
  const GCVAEDatasetHeader *h, *h0;

  PetscFunctionBegin;
  PetscCall(GCVAEDatasetGetHeader(ts->ds[0], &h0));
  for (PetscInt k = 0; k < ts->nds; k++) {
    PetscCall(GCVAEDatasetGetHeader(ts->ds[k], &h));
    if (cnn_n > 0) PetscCheck(h->n == cnn_n, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "The checkpoint's cnn decoder is for n = %" PetscInt_FMT ", the dataset %s has n = %" PetscInt_FMT, cnn_n, ts->path[k], h->n);
    else PetscCheck(h->n == h0->n, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "-decoder cnn generates matrices of one size, but %s has n = %" PetscInt_FMT " and %s n = %" PetscInt_FMT ": give datasets of one n, or use -decoder graph", ts->path[0], h0->n, ts->path[k], h->n);
  }
  PetscFunctionReturn(0);
}

/* Dataset k's identity: the generator's parameters (a regenerated file of other parameters is
   another dataset) and the training matrices used of it (they are what the permutation shuffles;
   -max_test may change on resume). */
static PetscErrorCode Identity(const TrainSet *ts, PetscInt k, char buf[], size_t len)
{
  const GCVAEDatasetHeader *h;

  PetscFunctionBegin;
  PetscCall(GCVAEDatasetGetHeader(ts->ds[k], &h));
  PetscCall(PetscSNPrintf(buf, len, "family %s, mesh %s, refine %" PetscInt_FMT ", n %" PetscInt_FMT ", nnz %" PetscInt_FMT ", %" PetscInt_FMT " samples of seed %" PetscInt_FMT ", degree %" PetscInt_FMT ", contrast %.6e-%.6e, sigma %.6e, image %" PetscInt_FMT ", using %" PetscInt_FMT " train", h->family, h->mesh, h->refine, h->n, h->nnz, h->nsamples, h->seed, h->degree, (double)h->contrast_min, (double)h->contrast_max, (double)h->sigma, h->image_size, ts->ntrain[k]));
  PetscFunctionReturn(0);
}

#define LINE_LEN (PETSC_MAX_PATH_LEN + 2 * GCVAE_NAME_LEN + 256)

/* "path\tidentity\n" per dataset */
PetscErrorCode TrainSetDescribe(const TrainSet *ts, char **text)
{
  char   id[LINE_LEN];
  size_t len = 1, at = 0, l;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < ts->nds; k++) {
    PetscCall(Identity(ts, k, id, sizeof(id)));
    PetscCall(PetscStrlen(ts->path[k], &l));
    len += l + 2;
    PetscCall(PetscStrlen(id, &l));
    len += l;
  }
  PetscCall(PetscMalloc1(len, text));
  for (PetscInt k = 0; k < ts->nds; k++) {
    PetscCall(Identity(ts, k, id, sizeof(id)));
    PetscCall(PetscSNPrintf(*text + at, len - at, "%s\t%s\n", ts->path[k], id));
    PetscCall(PetscStrlen(*text, &at));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TrainSetCheckResume(const TrainSet *ts, const char ckpt[], const char stored[])
{
  char        id[LINE_LEN], paths[4096] = "";
  const char *p = stored;
  PetscInt    k = 0;
  size_t      at = 0;

  PetscFunctionBegin;
  /* the checkpoint's paths, for the messages */
  for (const char *q = stored; *q && at + 1 < sizeof(paths);) {
    const char *tab = strchr(q, '\t'), *nl = strchr(q, '\n');
    if (!tab || !nl || tab > nl) break;
    if (at) paths[at++] = ',';
    for (const char *c = q; c < tab && at + 1 < sizeof(paths); c++) paths[at++] = *c;
    paths[at] = 0;
    q = nl + 1;
  }
  for (; *p; k++) {
    const char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
    size_t      l;
    PetscBool   same;

    PetscCheck(tab && nl && tab < nl, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s: its dataset list is malformed", ckpt);
    PetscCheck(k < ts->nds, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-resume: checkpoint %s was written training on more datasets (-data %s) than this run's %" PetscInt_FMT ": resume with the same -data list, or run without -resume", ckpt, paths, ts->nds);
    PetscCall(Identity(ts, k, id, sizeof(id)));
    PetscCall(PetscStrlen(id, &l));
    same = (size_t)(nl - tab - 1) == l && !strncmp(tab + 1, id, l);
    PetscCheck(same, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-resume: checkpoint %s was written training on -data %s; this run's dataset %" PetscInt_FMT " (%s: %s) is not its dataset %" PetscInt_FMT " (%.*s): resume with the same -data list (same order), or run without -resume", ckpt, paths, k + 1, ts->path[k], id, k + 1, (int)(nl - tab - 1), tab + 1);
    p = nl + 1;
  }
  PetscCheck(k == ts->nds, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-resume: checkpoint %s was written training on %" PetscInt_FMT " dataset(s) (-data %s), this run has %" PetscInt_FMT ": resume with the same -data list, or run without -resume", ckpt, k, paths, ts->nds);
  PetscFunctionReturn(0);
}

PetscErrorCode TrainSetSummary(const TrainSet *ts, GCVAEModelHeader *mh)
{
  const GCVAEDatasetHeader *h;
  size_t                    cap = sizeof(mh->mesh), at = 0;
  PetscBool                 truncated = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(GCVAEDatasetGetHeader(ts->ds[0], &h));
  PetscCall(PetscStrncpy(mh->family, h->family, sizeof(mh->family)));
  mh->train_n       = 0;
  mh->train_samples = ts->ntrain_all;
  PetscCall(PetscMemzero(mh->mesh, sizeof(mh->mesh)));
  for (PetscInt k = 0; k < ts->nds; k++) {
    PetscBool seen = PETSC_FALSE;
    size_t    l;

    PetscCall(GCVAEDatasetGetHeader(ts->ds[k], &h));
    mh->train_n = PetscMax(mh->train_n, h->n);
    for (PetscInt j = 0; j < k && !seen; j++) { /* each mesh once */
      const GCVAEDatasetHeader *hj;
      PetscCall(GCVAEDatasetGetHeader(ts->ds[j], &hj));
      PetscCall(PetscStrcmp(h->mesh, hj->mesh, &seen));
    }
    if (seen) continue;
    PetscCall(PetscStrlen(h->mesh, &l));
    if (at + (at > 0) + l + 1 > cap) {
      truncated = PETSC_TRUE;
      break;
    }
    if (at) mh->mesh[at++] = ',';
    PetscCall(PetscMemcpy(mh->mesh + at, h->mesh, l));
    at += l;
  }
  if (truncated) { /* "..." says more meshes were used than the field holds */
    if (at + 4 > cap) at = cap - 4;
    PetscCall(PetscMemcpy(mh->mesh + at, "...", 4));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SamplePrepare(GCVAEDataset ds, PetscInt idx, PetscReal extra, PetscBool image, TrainSample *s)
{
  const GCVAEDatasetHeader *h;

  PetscFunctionBegin;
  PetscCall(GCVAEDatasetGetHeader(ds, &h));
  PetscCall(GCVAEDatasetCreateMat(ds, PETSC_COMM_SELF, idx, &s->A));
  PetscCall(GCVAEScale(s->A, &s->At, &s->d));
  PetscCall(GCVAEMaskBuild(s->At, extra, &s->M));
  PetscCall(GCVAEInputCreate(s->At, s->M, &s->in));
  if (image) {
    float *img;
    PetscCall(PetscMalloc1(h->image_size * h->image_size, &img));
    PetscCall(GCVAEDatasetReadImage(ds, idx, img));
    PetscCall(GCVAEInputSetImage(s->in, h->image_size, img));
    PetscCall(PetscFree(img));
  }
  PetscCall(GCVAEInputGetSizes(s->in, NULL, &s->mnnz));
  PetscCall(MatDuplicate(s->M, MAT_COPY_VALUES, &s->Rt));
  { /* R~ = I: the Jacobi loss, by which this matrix's loss is normalised */
    PetscScalar    *v;
    const PetscInt *ri, *rj;
    PetscInt        n;
    PetscBool       done;
    PetscCall(MatGetRowIJ(s->Rt, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
    PetscCall(MatSeqAIJGetArray(s->Rt, &v));
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt k = ri[i]; k < ri[i + 1]; k++) v[k] = (rj[k] == i);
    PetscCall(MatSeqAIJRestoreArray(s->Rt, &v));
    PetscCall(MatRestoreRowIJ(s->Rt, 0, PETSC_FALSE, PETSC_FALSE, &n, &ri, &rj, &done));
  }
  PetscCall(GCVAELossCreate(s->At, s->Rt, &s->loss));
  PetscCall(GCVAELossEvaluate(s->loss, s->Rt, &s->jacobi, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode SampleDestroy(TrainSample *s)
{
  PetscFunctionBegin;
  PetscCall(GCVAELossDestroy(&s->loss));
  PetscCall(GCVAEInputDestroy(&s->in));
  PetscCall(MatDestroy(&s->Rt));
  PetscCall(MatDestroy(&s->M));
  PetscCall(MatDestroy(&s->At));
  PetscCall(MatDestroy(&s->A));
  PetscCall(VecDestroy(&s->d));
  PetscFunctionReturn(0);
}

PetscErrorCode TrainSetPrepare(TrainSet *ts, PetscReal extra)
{
  PetscLogDouble m0, m1;

  PetscFunctionBegin;
  /* resident memory before and after: what the prepared matrices cost, pattern products of the
     loss included, which no size formula here would see */
  PetscCall(PetscMemoryGetCurrentUsage(&m0));
  PetscCall(PetscCalloc2(ts->ntrain_all, &ts->train, ts->ntest_all, &ts->test));
  for (PetscInt k = 0; k < ts->nds; k++) {
    const PetscInt *idx;
    PetscInt        cnt;
    PetscCall(GCVAEDatasetGetSplit(ts->ds[k], GCVAE_SPLIT_TRAIN, &cnt, &idx));
    for (PetscInt i = 0; i < ts->ntrain[k]; i++) {
      TrainSample *s = &ts->train[ts->train0[k] + i];
      PetscCall(SamplePrepare(ts->ds[k], idx[i], extra, PETSC_TRUE, s));
      ts->maxm = PetscMax(ts->maxm, s->mnnz);
    }
  }
  for (PetscInt k = 0; k < ts->nds; k++) {
    const PetscInt *idx;
    PetscInt        cnt;
    PetscCall(GCVAEDatasetGetSplit(ts->ds[k], GCVAE_SPLIT_TEST, &cnt, &idx));
    for (PetscInt i = 0; i < ts->ntest[k]; i++) {
      TrainSample *s = &ts->test[ts->test0[k] + i];
      PetscCall(SamplePrepare(ts->ds[k], idx[i], extra, PETSC_FALSE, s));
      ts->maxm = PetscMax(ts->maxm, s->mnnz);
    }
  }
  PetscCall(PetscMemoryGetCurrentUsage(&m1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: the %" PetscInt_FMT " prepared matrices (%" PetscInt_FMT " train, %" PetscInt_FMT " test) hold %.1f MB, kept in memory for the whole run (growth of the resident memory while preparing, first-use allocations included)\n", ts->ntrain_all + ts->ntest_all, ts->ntrain_all, ts->ntest_all, (double)(m1 - m0) / 1048576.0));
  PetscFunctionReturn(0);
}

PetscErrorCode TrainSampleLoss(TrainSample *s, const nnreal r[], PetscReal *L, PetscScalar grad[])
{
  PetscScalar *v;

  PetscFunctionBegin;
  PetscCall(MatSeqAIJGetArray(s->Rt, &v));
  for (PetscInt k = 0; k < s->mnnz; k++) v[k] = r[k];
  PetscCall(MatSeqAIJRestoreArray(s->Rt, &v));
  PetscCall(GCVAELossEvaluate(s->loss, s->Rt, L, grad));
  PetscFunctionReturn(0);
}

/* The means are accumulated as x / count in matrix order, for each dataset and for all
   together: with one dataset, the arithmetic (and so the model header's test loss) of the
   single-dataset trainer. */
PetscErrorCode TrainSetEvaluate(TrainSet *ts, GCVAEModel model, PetscBool cg, PetscInt eval_samples, nnreal r[])
{
  TrainEval  *all = &ts->eval[ts->nds];
  PetscMPIInt size, rank;

  PetscFunctionBegin;
  /* on several processes (data-parallel training) test matrix i is process i mod size's, and the
     sums are reduced: on one process the arithmetic is the serial loop's */
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  all->ntest = ts->ntest_all;
  all->ncg   = 0;
  for (PetscInt k = 0; k < ts->nds; k++) {
    TrainEval *e = &ts->eval[k];
    e->ntest     = ts->ntest[k];
    e->ncg       = PetscMin(ts->ntest[k], eval_samples);
    all->ncg += e->ncg;
    if (cg) e->its = e->its_jacobi = 0;
    else e->L = e->Lrel = 0;
  }
  if (cg) all->its = all->its_jacobi = 0;
  else all->L = all->Lrel = 0;
  for (PetscInt k = 0; k < ts->nds; k++) {
    TrainEval *e = &ts->eval[k];
    Vec        b = NULL;

    if (!cg) {
      for (PetscInt i = 0; i < e->ntest; i++) {
        TrainSample *s = &ts->test[ts->test0[k] + i];
        PetscReal    l;
        if (i % size != rank) continue;
        PetscCall(GCVAEModelForward(model, s->in, GCVAE_LATENT_MEAN, NULL, r, NULL));
        PetscCall(TrainSampleLoss(s, r, &l, NULL));
        e->L += l / e->ntest;
        e->Lrel += l / s->jacobi / e->ntest;
        all->L += l / all->ntest;
        all->Lrel += l / s->jacobi / all->ntest;
      }
      continue;
    }
    /* mean iterations with the model's R and with Jacobi, one right-hand side per dataset (size) */
    if (e->ncg) PetscCall(GCVAECreateRHS(ts->test[ts->test0[k]].A, 1, &b));
    for (PetscInt i = 0; i < e->ncg; i++) {
      TrainSample *s = &ts->test[ts->test0[k] + i];
      Mat          R;
      PetscInt     its;
      if (i % size != rank) continue;
      PetscCall(GCVAEModelForward(model, s->in, GCVAE_LATENT_MEAN, NULL, r, NULL));
      PetscCall(GCVAEFactorFromValues(s->M, r, s->d, &R));
      PetscCall(GCVAESolveCG(s->A, R, b, &its, NULL));
      e->its += (PetscReal)its / e->ncg;
      all->its += (PetscReal)its / all->ncg;
      PetscCall(GCVAESolveCG(s->A, NULL, b, &its, NULL));
      e->its_jacobi += (PetscReal)its / e->ncg;
      all->its_jacobi += (PetscReal)its / all->ncg;
      PetscCall(MatDestroy(&R));
    }
    PetscCall(VecDestroy(&b));
  }
  if (size > 1) {
    PetscReal *v;
    PetscCall(PetscMalloc1(2 * (ts->nds + 1), &v));
    for (PetscInt k = 0; k <= ts->nds; k++) {
      v[2 * k]     = cg ? ts->eval[k].its : ts->eval[k].L;
      v[2 * k + 1] = cg ? ts->eval[k].its_jacobi : ts->eval[k].Lrel;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, v, 2 * (int)(ts->nds + 1), MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD));
    for (PetscInt k = 0; k <= ts->nds; k++) {
      if (cg) {
        ts->eval[k].its        = v[2 * k];
        ts->eval[k].its_jacobi = v[2 * k + 1];
      } else {
        ts->eval[k].L    = v[2 * k];
        ts->eval[k].Lrel = v[2 * k + 1];
      }
    }
    PetscCall(PetscFree(v));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TrainSetDestroy(TrainSet *ts)
{
  PetscFunctionBegin;
  if (ts->train)
    for (PetscInt i = 0; i < ts->ntrain_all; i++) PetscCall(SampleDestroy(&ts->train[i]));
  if (ts->test)
    for (PetscInt i = 0; i < ts->ntest_all; i++) PetscCall(SampleDestroy(&ts->test[i]));
  PetscCall(PetscFree2(ts->train, ts->test));
  for (PetscInt k = 0; k < ts->nds; k++) {
    PetscCall(GCVAEDatasetClose(&ts->ds[k]));
    PetscCall(PetscFree(ts->path[k]));
  }
  PetscCall(PetscFree2(ts->path, ts->ds));
  PetscCall(PetscFree4(ts->ntrain, ts->ntest, ts->train0, ts->test0));
  PetscCall(PetscFree(ts->eval));
  PetscFunctionReturn(0);
}
