static char help[] = "gcvae-train: train a graph-conditioned VAE that generates SPAI factors R (M^-1 = R R^T).\n"
                     "  -data FILE[,FILE...]  datasets from gcvae-datagen (train splits train, test splits evaluate),\n"
                     "                        all of one family and image size; the graph decoder takes any n,\n"
                     "                        meshes and patterns, the cnn decoder one n. Each minibatch is drawn\n"
                     "                        from the union of the train splits; each matrix's loss is divided by\n"
                     "                        its own Jacobi loss. The model header records the family, the meshes\n"
                     "                        (\"m1,m2\", each once, cut to 255 characters ending \"...\"), the largest n\n"
                     "                        and the total number of training matrices. Every matrix is prepared once\n"
                     "                        and kept in memory for the whole run (the total is printed)\n"
                     "  -decoder graph|cnn    size-independent graph decoder, or the paper's CNN decoder (fixed n)\n"
                     "  -epochs E -o FILE     epochs to train; the model file written at the end\n"
                     "  -seed S               initialisation, shuffling and latent noise (deterministic)\n"
                     "  -batch B -lr L -lr_decay G -weight_decay W -clip C -kl_weight K\n"
                     "                        minibatch of matrices (8), AdamW (1e-3, x0.99 per epoch, 0), gradient\n"
                     "                        norm clip (1), weight of the KL term (0.1)\n"
                     "  -hidden D -gat_layers L -heads H -latent K -decoder_hidden D2 -cnn_channels C -cnn_layers L2\n"
                     "  -edge_layers K         graph decoder: edge-state layers after the last K GATv2 layers\n"
                     "                        (0 <= K <= gat_layers; default 2, 0 for -decoder cnn)\n"
                     "  -image_size P         (from the dataset) -extra F mask extra fraction (0.2)\n"
                     "  -eval_every N -eval_samples M   mean CG iterations on M test matrices (of each dataset) every\n"
                     "                        N epochs (5, 8); with several datasets one line per dataset too\n"
                     "  -max_train N -max_test N        use only the first N train / test matrices (of each dataset)\n"
                     "  -resume               continue from <o>.ckpt (written after every epoch: model, AdamW state,\n"
                     "                        epoch and seed in one file) with its architecture and seed; without\n"
                     "                        a checkpoint yet, start from epoch 0 (and say so). The checkpoint records\n"
                     "                        the datasets: a resume with another -data list (order included) is refused\n"
                     "  -device cpu|cuda      cuda: the conv layers (image encoder, cnn decoder) through cuDNN, the rest on the CPU\n"
                     "mpiexec -n P: data parallel: each minibatch's matrices are dealt round the processes and their\n"
                     "gradients summed (MPI_Allreduce), test matrices likewise; the same model as one process to\n"
                     "rounding (run with OPENBLAS_NUM_THREADS=1). Every process prepares every matrix.\n"
                     "Output files (<o> and <o>.ckpt) are written to <file>.tmp.<host>.<pid> and renamed when\n"
                     "complete: a reader sees the old file or the new one. Runs writing the same -o do not break\n"
                     "each other; the last rename wins. A killed run leaves its last complete checkpoint; after\n"
                     "kill -9 it may leave its temporary, which the next run on this host removes.\n";

/* One progress line per epoch (and, with several datasets, one per dataset). After every epoch the model, the AdamW state, the epoch
   and the seed go to <o>.ckpt, one file written atomically (training/checkpoint.c), so a
   killed run loses at most the epoch in progress and -resume continues exactly where it
   stopped: shuffling and latent noise are seeded by (seed, epoch), so a resumed run
   equals an uninterrupted one bit for bit. */
#include <gcvae_model.h>
#include <gcvae_cuda.h>
#include <petsctime.h>
#include <signal.h>
#include <unistd.h>
#include <zlib.h>
#include "checkpoint.h"
#include "trainset.h"

#define EDGE_LAYERS_DEFAULT 2 /* -edge_layers of the graph decoder: P1 Poisson n = 433, 5 epochs, 2 seeds:
                                 0.25-0.27 x Jacobi test loss with 0, 0.23-0.24 with 2 or 4 (2: 1.65x, 4: 2.2x time) */

typedef struct {
  char             data[16 * PETSC_MAX_PATH_LEN]; /* comma-separated list */
  char             out[PETSC_MAX_PATH_LEN], ckpt[PETSC_MAX_PATH_LEN + 16];
  GCVAEModelHeader arch;
  PetscInt         epochs, batch, seed, eval_every, eval_samples, max_train, max_test;
  PetscReal        lr, lr_decay, weight_decay, clip, kl_weight;
  PetscBool        resume, cuda; /* cuda: -device cuda */
} AppCtx;

/* -device cuda: the device is checked before anything is read; the conv layers go to cuDNN
   (src/cuda/conv_cudnn.c through src/nn/conv2d.c's backend hook), everything else stays here. */
static PetscErrorCode UseCuda(void)
{
  PetscBool compiled;
  int       ndev;
  char      why[256];

  PetscFunctionBeginUser;
  PetscCall(GCVAECudaAvailable(&compiled, &ndev, why, sizeof(why)));
  PetscCheck(compiled, PETSC_COMM_WORLD, PETSC_ERR_SUP, "-device cuda: %s (or use -device cpu)", why);
  PetscCheck(ndev > 0, PETSC_COMM_WORLD, PETSC_ERR_SUP_SYS, "-device cuda: no CUDA device (%s); use -device cpu", why);
  PetscCall(GCVAECudaUseConvBackend(PETSC_TRUE));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: CUDA %s\n", why));
  PetscFunctionReturn(0);
}

static PetscErrorCode ProcessOptions(AppCtx *ctx)
{
  char      decoder[16] = "graph", device[16] = "cpu";
  PetscBool has_data, has_out, graph, cnn, has_edge, on_cpu;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(ctx, sizeof(*ctx)));
  ctx->epochs       = 0;
  ctx->batch        = 8;
  ctx->seed         = 1;
  ctx->eval_every   = 5;
  ctx->eval_samples = 8;
  ctx->max_train    = -1;
  ctx->max_test     = -1;
  ctx->lr           = 1e-3;
  ctx->lr_decay     = 0.99;
  ctx->weight_decay = 0;
  ctx->clip         = 1.0;
  ctx->kl_weight    = 0.1;
  ctx->arch.hidden         = 32;
  ctx->arch.gat_layers     = 4;
  ctx->arch.edge_layers    = EDGE_LAYERS_DEFAULT;
  ctx->arch.heads          = 4;
  ctx->arch.latent         = 8;
  ctx->arch.decoder_hidden = 32;
  ctx->arch.cnn_channels   = 8;
  ctx->arch.cnn_layers     = 3;
  ctx->arch.mask_extra     = 0.2;
  ctx->arch.scaling        = 1;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "gcvae-train options", NULL);
  PetscCall(PetscOptionsString("-data", "datasets (comma-separated)", NULL, ctx->data, ctx->data, sizeof(ctx->data), &has_data));
  PetscCall(PetscOptionsString("-o", "output model file", NULL, ctx->out, ctx->out, sizeof(ctx->out), &has_out));
  PetscCall(PetscOptionsString("-decoder", "graph or cnn", NULL, decoder, decoder, sizeof(decoder), NULL));
  PetscCall(PetscOptionsInt("-epochs", "epochs", NULL, ctx->epochs, &ctx->epochs, NULL));
  PetscCall(PetscOptionsInt("-batch", "matrices per minibatch", NULL, ctx->batch, &ctx->batch, NULL));
  PetscCall(PetscOptionsInt("-seed", "seed", NULL, ctx->seed, &ctx->seed, NULL));
  PetscCall(PetscOptionsReal("-lr", "AdamW learning rate", NULL, ctx->lr, &ctx->lr, NULL));
  PetscCall(PetscOptionsReal("-lr_decay", "learning rate factor per epoch", NULL, ctx->lr_decay, &ctx->lr_decay, NULL));
  PetscCall(PetscOptionsReal("-weight_decay", "AdamW weight decay", NULL, ctx->weight_decay, &ctx->weight_decay, NULL));
  PetscCall(PetscOptionsReal("-clip", "gradient norm clip", NULL, ctx->clip, &ctx->clip, NULL));
  PetscCall(PetscOptionsReal("-kl_weight", "weight of the KL term", NULL, ctx->kl_weight, &ctx->kl_weight, NULL));
  PetscCall(PetscOptionsInt("-hidden", "width of node states", NULL, ctx->arch.hidden, &ctx->arch.hidden, NULL));
  PetscCall(PetscOptionsInt("-gat_layers", "GATv2 layers", NULL, ctx->arch.gat_layers, &ctx->arch.gat_layers, NULL));
  PetscCall(PetscOptionsInt("-edge_layers", "edge-state layers (graph decoder) after the last K GATv2 layers", NULL, ctx->arch.edge_layers, &ctx->arch.edge_layers, &has_edge));
  PetscCall(PetscOptionsInt("-heads", "attention heads", NULL, ctx->arch.heads, &ctx->arch.heads, NULL));
  PetscCall(PetscOptionsInt("-latent", "latent dimension", NULL, ctx->arch.latent, &ctx->arch.latent, NULL));
  PetscCall(PetscOptionsInt("-decoder_hidden", "decoder MLP width", NULL, ctx->arch.decoder_hidden, &ctx->arch.decoder_hidden, NULL));
  PetscCall(PetscOptionsInt("-cnn_channels", "CNN channels", NULL, ctx->arch.cnn_channels, &ctx->arch.cnn_channels, NULL));
  PetscCall(PetscOptionsInt("-cnn_layers", "CNN layers", NULL, ctx->arch.cnn_layers, &ctx->arch.cnn_layers, NULL));
  PetscCall(PetscOptionsReal("-extra", "mask extra fraction", NULL, ctx->arch.mask_extra, &ctx->arch.mask_extra, NULL));
  PetscCall(PetscOptionsInt("-eval_every", "epochs between CG evaluations", NULL, ctx->eval_every, &ctx->eval_every, NULL));
  PetscCall(PetscOptionsInt("-eval_samples", "test matrices in a CG evaluation", NULL, ctx->eval_samples, &ctx->eval_samples, NULL));
  PetscCall(PetscOptionsInt("-max_train", "use the first N train matrices", NULL, ctx->max_train, &ctx->max_train, NULL));
  PetscCall(PetscOptionsInt("-max_test", "use the first N test matrices", NULL, ctx->max_test, &ctx->max_test, NULL));
  PetscCall(PetscOptionsBool("-resume", "continue from the checkpoint", NULL, ctx->resume, &ctx->resume, NULL));
  PetscCall(PetscOptionsString("-device", "cpu, or cuda: the conv layers through cuDNN, the rest on the CPU", NULL, device, device, sizeof(device), NULL));
  PetscOptionsEnd();
  PetscCall(PetscStrcmp(device, "cpu", &on_cpu));
  PetscCall(PetscStrcmp(device, "cuda", &ctx->cuda));
  PetscCheck(on_cpu || ctx->cuda, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-device %s: use cpu or cuda", device);
  if (ctx->cuda) PetscCall(UseCuda());
  PetscCheck(has_data, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "Missing -data FILE");
  PetscCheck(has_out, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "Missing -o FILE");
  PetscCall(PetscStrcmp(decoder, "graph", &graph));
  PetscCall(PetscStrcmp(decoder, "cnn", &cnn));
  PetscCheck(graph || cnn, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-decoder %s: use graph or cnn", decoder);
  ctx->arch.decoder = cnn ? GCVAE_DECODER_CNN : GCVAE_DECODER_GRAPH;
  if (cnn && !has_edge) ctx->arch.edge_layers = 0; /* the cnn decoder has no edge states */
  PetscCheck(!cnn || ctx->arch.edge_layers == 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-edge_layers %" PetscInt_FMT ": the cnn decoder has no edge states (use 0 or -decoder graph)", ctx->arch.edge_layers);
  PetscCheck(ctx->arch.edge_layers >= 0 && ctx->arch.edge_layers <= ctx->arch.gat_layers, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-edge_layers %" PetscInt_FMT " must be in [0, gat_layers = %" PetscInt_FMT "]", ctx->arch.edge_layers, ctx->arch.gat_layers);
  PetscCheck(ctx->epochs > 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-epochs %" PetscInt_FMT " must be > 0", ctx->epochs);
  PetscCheck(ctx->batch > 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-batch %" PetscInt_FMT " must be > 0", ctx->batch);
  PetscCheck(ctx->lr > 0 && ctx->lr_decay > 0 && ctx->lr_decay <= 1, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-lr must be > 0 and -lr_decay in (0, 1]");
  PetscCheck(ctx->clip > 0 && ctx->kl_weight >= 0 && ctx->weight_decay >= 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-clip must be > 0, -kl_weight and -weight_decay >= 0");
  PetscCheck(ctx->eval_every > 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-eval_every must be > 0");
  PetscCall(PetscSNPrintf(ctx->ckpt, sizeof(ctx->ckpt), "%s.ckpt", ctx->out));
  PetscFunctionReturn(0);
}

/* This process's temporaries of <o> and <o>.ckpt, removed if the run is interrupted
   (computed before the handlers are installed: nothing but unlink runs in a handler). */
static char tmp_paths[2][PETSC_MAX_PATH_LEN];

static void OnSignal(int sig)
{
  for (int i = 0; i < 2; i++)
    if (tmp_paths[i][0]) (void)unlink(tmp_paths[i]);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* crc32 of the parameters as float32: a fingerprint to compare runs */
static uint32_t ParamsFingerprint(const NNParamBuffer *p)
{
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t i = 0; i < p->count; i++) {
    float x = (float)p->params[i];
    crc     = crc32(crc, (const Bytef *)&x, sizeof(x));
  }
  return (uint32_t)crc;
}

/* One short line per dataset after the epoch's line (several datasets only: with one, the
   epoch's line says it all). */
static PetscErrorCode ViewPerDataset(const TrainSet *ts, PetscBool cg)
{
  PetscFunctionBeginUser;
  if (ts->nds < 2) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < ts->nds; k++) {
    const GCVAEDatasetHeader *h;
    const TrainEval          *e = &ts->eval[k];
    PetscCall(GCVAEDatasetGetHeader(ts->ds[k], &h));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "      %s (n %" PetscInt_FMT "): test loss %.5e (x jacobi %.4f)", ts->path[k], h->n, (double)e->L, (double)e->Lrel));
    if (cg) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  CG its %.1f (jacobi %.1f)", (double)e->its, (double)e->its_jacobi));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  AppCtx            ctx;
  TrainSet          ts;
  const GCVAEDatasetHeader *dh;
  PetscInt          ntrain, start = 0, *perm;
  GCVAEModel        model;
  GCVAEModelHeader *mh;
  NNParamBuffer    *P;
  nnreal           *r, *dr, *eps;
  PetscScalar      *grad;
  PetscLogDouble    t0, t1, tprev = 0;
  PetscReal         test_L = 0, train_L = 0, kl_mean = 0;
  PetscMPIInt       size, rank;
  PetscBool         found = PETSC_FALSE; /* -resume found a checkpoint */
  char             *described;           /* the datasets, as the checkpoint records them */

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(ProcessOptions(&ctx));
  PetscCheck(size == 1 || !ctx.cuda, PETSC_COMM_WORLD, PETSC_ERR_SUP, "gcvae-train -device cuda runs on one process (here %d): use -device cpu with mpiexec", (int)size);
  /* leftovers of SIGKILLed runs; then our own temporaries go if we are interrupted */
  PetscCall(GCVAETempRemoveStale(ctx.out, "train"));
  PetscCall(GCVAETempRemoveStale(ctx.ckpt, "train"));
  PetscCall(GCVAETempName(ctx.out, tmp_paths[0], sizeof(tmp_paths[0])));
  PetscCall(GCVAETempName(ctx.ckpt, tmp_paths[1], sizeof(tmp_paths[1])));
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  signal(SIGHUP, OnSignal);
  PetscCall(PetscTime(&t0));
  PetscCall(TrainSetOpen(ctx.data, ctx.max_train, ctx.max_test, &ts));
  PetscCall(TrainSetDescribe(&ts, &described));
  PetscCall(GCVAEDatasetGetHeader(ts.ds[0], &dh));
  ntrain = ts.ntrain_all;

  /* the model: from the checkpoint, or new */
  if (ctx.resume) {
    PetscInt epoch = -1, seed = -1;
    char    *stored;
    PetscCall(GCVAECheckpointRead(ctx.ckpt, &model, &epoch, &seed, &stored, &found));
    if (found) {
      if (stored) PetscCall(TrainSetCheckResume(&ts, ctx.ckpt, stored));
      else PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: %s is of an older gcvae-train that did not record its datasets: not checked against -data\n", ctx.ckpt));
      PetscCall(PetscFree(stored));
      PetscCall(GCVAEModelGetParams(model, &P));
      PetscCall(GCVAEModelGetHeader(model, &mh));
      start = epoch;
      tprev = mh->train_seconds;
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: resuming from %s after epoch %" PetscInt_FMT " (its architecture, not the command line's)\n", ctx.ckpt, start));
      /* the seed is part of the random state: another one would shuffle differently */
      if (seed != ctx.seed) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: the checkpoint's seed %" PetscInt_FMT " continues its shuffling and noise (not -seed %" PetscInt_FMT ")\n", seed, ctx.seed));
      ctx.seed = seed;
    } else PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: -resume: no checkpoint %s yet: starting from epoch 0\n", ctx.ckpt));
  }
  if (!found) {
    if (ctx.arch.decoder == GCVAE_DECODER_CNN) PetscCall(TrainSetCheckCNN(&ts, 0));
    ctx.arch.node_features = GCVAE_NODE_FEATURES;
    ctx.arch.edge_features = GCVAE_EDGE_FEATURES;
    ctx.arch.image_size    = dh->image_size;
    ctx.arch.cnn_n         = ctx.arch.decoder == GCVAE_DECODER_CNN ? dh->n : 0;
    PetscCall(GCVAEModelCreate(&ctx.arch, ctx.seed, &model));
    PetscCall(GCVAEModelGetHeader(model, &mh));
    PetscCall(GCVAEModelGetParams(model, &P));
  }
  PetscCall(TrainSetSummary(&ts, mh));
  mh->seed = ctx.seed;
  if (mh->decoder == GCVAE_DECODER_CNN) PetscCall(TrainSetCheckCNN(&ts, mh->cnn_n));

  /* prepare every matrix once */
  if (ts.nds == 1) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: %s (%s, n = %" PetscInt_FMT "), %" PetscInt_FMT " train / %" PetscInt_FMT " test matrices, decoder %s, edge_layers %" PetscInt_FMT ", %" PetscInt_FMT " parameters\n", ctx.data, dh->family, dh->n, ntrain, ts.ntest_all, mh->decoder == GCVAE_DECODER_CNN ? "cnn" : "graph", mh->edge_layers, mh->nparams));
  else {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: %" PetscInt_FMT " datasets (%s, largest n = %" PetscInt_FMT "), %" PetscInt_FMT " train / %" PetscInt_FMT " test matrices, decoder %s, edge_layers %" PetscInt_FMT ", %" PetscInt_FMT " parameters\n", ts.nds, dh->family, mh->train_n, ntrain, ts.ntest_all, mh->decoder == GCVAE_DECODER_CNN ? "cnn" : "graph", mh->edge_layers, mh->nparams));
    for (PetscInt k = 0; k < ts.nds; k++) {
      const GCVAEDatasetHeader *h;
      PetscCall(GCVAEDatasetGetHeader(ts.ds[k], &h));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train:   %s: mesh %s, n = %" PetscInt_FMT ", %" PetscInt_FMT " train / %" PetscInt_FMT " test\n", ts.path[k], h->mesh, h->n, ts.ntrain[k], ts.ntest[k]));
    }
  }
  if (ctx.cuda) {
    char decoder[64] = "";
    if (mh->decoder == GCVAE_DECODER_CNN) PetscCall(PetscSNPrintf(decoder, sizeof(decoder), " and the cnn decoder's %" PetscInt_FMT " transposed conv2d layers", mh->cnn_layers));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: on cuDNN (forward and backward, host copies per call): the image encoder's %" PetscInt_FMT " conv2d layers%s; on the CPU: everything else (GATv2, linear, LayerNorm, pooling, loss, AdamW)\n", mh->cnn_layers, decoder));
  }
  PetscCall(TrainSetPrepare(&ts, mh->mask_extra));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: matrices prepared in %.1f s\n", t1 - t0));
  PetscCall(PetscMalloc4(ts.maxm, &r, ts.maxm, &dr, ts.maxm, &grad, mh->latent, &eps));
  PetscCall(PetscMalloc1(ntrain, &perm));

  for (PetscInt epoch = start; epoch < ctx.epochs; epoch++) {
    const nnreal   lr = (nnreal)(ctx.lr * PetscPowReal(ctx.lr_decay, (PetscReal)epoch));
    const PetscBool cg = (PetscBool)((epoch + 1) % ctx.eval_every == 0 || epoch + 1 == ctx.epochs);
    PetscRandom    noise;
    PetscReal      sumL = 0, sumRel = 0, sumKL = 0;
    PetscLogDouble te0, te1;

    PetscCall(PetscTime(&te0));
    /* seeded by (seed, epoch): reproducible on resume; over the union of the datasets */
    PetscCall(GCVAERandomPermutation((unsigned long)(1000003 * ctx.seed + epoch), ntrain, perm));
    PetscCall(GCVAERandomCreate(PETSC_COMM_SELF, (unsigned long)(7919 * ctx.seed + 104729 * epoch + 1), &noise));
    for (PetscInt b0 = 0; b0 < ntrain; b0 += ctx.batch) {
      const PetscInt nb = PetscMin(ctx.batch, ntrain - b0);
      nn_params_zero_grad(P);
      for (PetscInt q = b0; q < b0 + nb; q++) {
        TrainSample *s = &ts.train[perm[q]];
        PetscReal    L;
        double       kl;
        PetscCall(GCVAELatentDraw(noise, mh->latent, eps)); /* every process draws every eps: one stream */
        if ((q - b0) % size != rank) continue;              /* data parallel: the batch's matrices dealt round */
        PetscCall(GCVAEModelForward(model, s->in, GCVAE_LATENT_TRAIN, eps, r, &kl));
        PetscCall(TrainSampleLoss(s, r, &L, grad));
        /* objective of the batch: mean over its matrices of L / L_jacobi + kl_weight KL, so
           matrices of every size weigh alike whatever their Jacobi loss */
        for (PetscInt k = 0; k < s->mnnz; k++) dr[k] = (nnreal)(PetscRealPart(grad[k]) / (s->jacobi * nb));
        PetscCall(GCVAEModelBackward(model, s->in, dr, ctx.kl_weight / nb));
        sumL += L;
        sumRel += L / s->jacobi;
        sumKL += kl;
      }
      /* the batch's gradient: the sum of every process's part (then the same step everywhere) */
      if (size > 1) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, P->grads, (int)P->count, sizeof(nnreal) == sizeof(float) ? MPI_FLOAT : MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
      (void)nn_clip_grad_norm(P->grads, P->count, (nnreal)ctx.clip);
      PetscCall(nn_params_adamw_step(P, lr, 0.9, 0.999, 1e-8, (nnreal)ctx.weight_decay));
    }
    PetscCall(PetscRandomDestroy(&noise));
    if (size > 1) {
      PetscReal sums[3] = {sumL, sumRel, sumKL};
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sums, 3, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD));
      sumL   = sums[0];
      sumRel = sums[1];
      sumKL  = sums[2];
    }
    train_L = sumL / ntrain;
    kl_mean = sumKL / ntrain;
    if (ts.ntest_all) {
      PetscCall(TrainSetEvaluate(&ts, model, PETSC_FALSE, ctx.eval_samples, r));
      test_L = ts.eval[ts.nds].L;
    }
    PetscCall(PetscTime(&te1));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "epoch %4" PetscInt_FMT "  train loss %.5e (x jacobi %.4f)  KL %.4e  test loss %.5e (x jacobi %.4f)  lr %.2e  %.1f s", epoch + 1, (double)train_L, (double)(sumRel / ntrain), (double)kl_mean, (double)test_L, (double)ts.eval[ts.nds].Lrel, (double)lr, te1 - te0));
    if (cg) {
      PetscCall(TrainSetEvaluate(&ts, model, PETSC_TRUE, ctx.eval_samples, r));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  CG its %.1f (jacobi %.1f)", (double)ts.eval[ts.nds].its, (double)ts.eval[ts.nds].its_jacobi));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));
    PetscCall(ViewPerDataset(&ts, cg));
    /* checkpoint: model, AdamW state, epoch, seed and the dataset list in one atomic file */
    mh->epochs        = epoch + 1;
    mh->train_loss    = train_L;
    mh->test_loss     = test_L;
    mh->kl            = kl_mean;
    mh->train_seconds = tprev + (te1 - t0);
    if (!rank) PetscCall(GCVAECheckpointWrite(ctx.ckpt, model, epoch + 1, ctx.seed, described)); /* every process holds the same model */
  }
  PetscCall(PetscTime(&t1));
  mh->train_seconds = tprev + (t1 - t0);
  if (!rank) PetscCall(GCVAEModelSave(model, ctx.out));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "train: wrote %s after %" PetscInt_FMT " epochs, %.1f s; parameters fingerprint %08x\n", ctx.out, mh->epochs, mh->train_seconds, ParamsFingerprint(P)));

  PetscCall(PetscFree4(r, dr, grad, eps));
  PetscCall(PetscFree(perm));
  PetscCall(PetscFree(described));
  PetscCall(GCVAEModelDestroy(&model));
  PetscCall(TrainSetDestroy(&ts));
  PetscCall(PetscFinalize());
  return 0;
}
