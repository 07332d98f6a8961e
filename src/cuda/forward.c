/* The GCVAE network on the device for inference: GCVAEModelForward (src/model.c) for a
   graph-decoder model in MEAN or SAMPLE mode, layer by layer in the same order and float
   math. The prepared input (GCVAEInputCreate, on the host) is uploaded; the encoder's
   GATv2 and edge layers and the decoder MLP run on the device; r comes back to the host.
   Only the last layer's activations are kept (no backward). */
#include "cudaimpl.h"
#include "../inputimpl.h"
#include "../layoutimpl.h"   /* the CPU model's MODEL_MAX_LAYERS and GraphDecoderLayout */

/* Device pointers to the tensors (into one upload of the model's parameter buffer), named
   as src/model.c's TensorTable names them. */
typedef struct {
  const float *in_w, *in_b, *lnf_w, *lnf_b, *ein_w, *ein_b, *elnf_w, *elnf_b;
  struct {
    const float *ln_w, *ln_b, *ws, *wt, *we, *a, *b;
  } gat[MODEL_MAX_LAYERS];
  struct {
    const float *lnn_w, *lnn_b, *lne_w, *lne_b, *w1, *b1, *w2, *b2, *lna_w, *lna_b, *wa, *ba;
  } edge[MODEL_MAX_LAYERS];
  const float *dec_w[3], *dec_b[3];
} DevTensors;

/* the device address of tensor `name`, and (size may be NULL) its number of values */
static PetscErrorCode Find(const NNParamBuffer *buf, const float *dparams, const char name[], const float **p, size_t *size)
{
  nnreal *hp;

  PetscFunctionBegin;
  PetscCall(nn_params_find(buf, name, &hp, NULL));
  *p = dparams + (hp - buf->params);
  if (size) {
    for (int t = 0; t < buf->ntensors; t++)
      if (buf->params + buf->offsets[t] == hp) *size = buf->sizes[t];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PointTensors(const GCVAEModelHeader *h, const NNParamBuffer *buf, const float *dp, DevTensors *t)
{
  char   nm[64];
  size_t size = 0;

  PetscFunctionBegin;
  PetscCall(Find(buf, dp, "enc.in.w", &t->in_w, NULL));
  PetscCall(Find(buf, dp, "enc.in.b", &t->in_b, NULL));
  for (int l = 0; l < h->gat_layers; l++) {
#define GAT(SUF, F) \
  do { \
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "enc.gat%d.%s", l, SUF)); \
    PetscCall(Find(buf, dp, nm, &t->gat[l].F, NULL)); \
  } while (0)
    GAT("ln.w", ln_w);
    GAT("ln.b", ln_b);
    GAT("ws", ws);
    GAT("wt", wt);
    GAT("we", we);
    GAT("a", a);
    GAT("b", b);
#undef GAT
  }
  PetscCall(Find(buf, dp, "enc.lnf.w", &t->lnf_w, NULL));
  PetscCall(Find(buf, dp, "enc.lnf.b", &t->lnf_b, NULL));
  if (h->edge_layers > 0) {
    PetscCall(Find(buf, dp, "enc.edge.in.w", &t->ein_w, NULL));
    PetscCall(Find(buf, dp, "enc.edge.in.b", &t->ein_b, NULL));
    for (int l = 0; l < h->edge_layers; l++) {
#define EDGE(SUF, F) \
  do { \
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "enc.edge%d.%s", l, SUF)); \
    PetscCall(Find(buf, dp, nm, &t->edge[l].F, NULL)); \
  } while (0)
      EDGE("lnn.w", lnn_w);
      EDGE("lnn.b", lnn_b);
      EDGE("lne.w", lne_w);
      EDGE("lne.b", lne_b);
      EDGE("w1", w1);
      EDGE("b1", b1);
      EDGE("w2", w2);
      EDGE("b2", b2);
      EDGE("lna.w", lna_w);
      EDGE("lna.b", lna_b);
      EDGE("wa", wa);
      EDGE("ba", ba);
#undef EDGE
    }
    PetscCall(Find(buf, dp, "enc.edge.lnf.w", &t->elnf_w, NULL));
    PetscCall(Find(buf, dp, "enc.edge.lnf.b", &t->elnf_b, NULL));
  }
  PetscCall(Find(buf, dp, "dec.l1.w", &t->dec_w[0], &size));
  PetscCheck(size == (size_t)h->decoder_hidden * GraphDecoderLayout(h).F, PETSC_COMM_SELF, PETSC_ERR_PLIB, "GCVAECudaModelForward: dec.l1.w has %zu values, the decoder layout expects %" PetscInt_FMT " x %d", size, h->decoder_hidden, GraphDecoderLayout(h).F);
  PetscCall(Find(buf, dp, "dec.l1.b", &t->dec_b[0], NULL));
  PetscCall(Find(buf, dp, "dec.l2.w", &t->dec_w[1], NULL));
  PetscCall(Find(buf, dp, "dec.l2.b", &t->dec_b[1], NULL));
  PetscCall(Find(buf, dp, "dec.out.w", &t->dec_w[2], NULL));
  PetscCall(Find(buf, dp, "dec.out.b", &t->dec_b[2], NULL));
  PetscFunctionReturn(0);
}

/* The device copy of one input and the activations of one forward. */
typedef struct {
  int   *rowptr, *colind, *erow;       /* (n + 1), (nnz), (nnz) graph of A~, edge rows */
  int   *mrow, *mcol, *mrowptr;        /* (mn), (mn), (n + 1) mask entries and their row starts */
  float *xnode, *xedge, *xmask;        /* (n, 4), (nnz, 2), (mn, 4) features */
  float *h, *hn, *hm, *xn, *u, *T, *y, *agg, *hf; /* (n, d) each */
  float *M, *alpha;                    /* (nnz, d), (nnz, H) */
  float *e, *e1, *en, *eU, *ef;        /* (mn, d) each (edge layers) */
  float *eX;                           /* (mn, 3d + 4) */
  float *X, *Y1, *Y2, *r, *z;          /* (mn, F), (mn, dh) x 2, (mn), (k) decoder */
  int   *imem;                         /* the two allocations the above are carved from */
  float *fmem;
} DevWork;

typedef struct {
  void **slot;
  size_t size; /* elements */
} Piece;

/* one cudaMalloc per element type, carved into the pieces (each 256-byte aligned) */
static PetscErrorCode CarveDevice(int np, const Piece p[], size_t elsize, void **mem)
{
  size_t total = 0, off = 0;

  PetscFunctionBegin;
  for (int i = 0; i < np; i++) total += (p[i].size * elsize + 255) / 256 * 256;
  PetscCall(GCVAECudaMalloc(total ? total : 256, mem));
  for (int i = 0; i < np; i++) {
    *p[i].slot = p[i].size ? (char *)*mem + off : NULL;
    off += (p[i].size * elsize + 255) / 256 * 256;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WorkCreate(const GCVAEModelHeader *h, GCVAEInput in, const nnreal z[], DevWork *w)
{
  const size_t n = in->n, nnz = in->nnz, mn = in->mnnz, d = h->hidden, H = h->heads, dh = h->decoder_hidden, K = h->edge_layers;
  const size_t F = (size_t)GraphDecoderLayout(h).F, EF = 3 * d + GCVAE_MASK_FEATURES;
  int         *erow, *mrowptr;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(w, sizeof(*w)));
  {
    const Piece ip[] = {
      {(void **)&w->rowptr, n + 1}, {(void **)&w->colind, nnz}, {(void **)&w->erow, nnz}, {(void **)&w->mrow, mn}, {(void **)&w->mcol, mn}, {(void **)&w->mrowptr, n + 1},
    };
    const Piece fp[] = {
      {(void **)&w->xnode, n * GCVAE_NODE_FEATURES}, {(void **)&w->xedge, nnz * GCVAE_EDGE_FEATURES}, {(void **)&w->xmask, mn * GCVAE_MASK_FEATURES},
      {(void **)&w->h, n * d}, {(void **)&w->hn, n * d}, {(void **)&w->hm, K ? n * d : 0}, {(void **)&w->xn, n * d}, {(void **)&w->u, n * d}, {(void **)&w->T, n * d},
      {(void **)&w->y, K ? n * d : 0}, {(void **)&w->agg, K ? n * d : 0}, {(void **)&w->hf, n * d}, {(void **)&w->M, nnz * d}, {(void **)&w->alpha, nnz * H},
      {(void **)&w->e, K ? mn * d : 0}, {(void **)&w->e1, K ? mn * d : 0}, {(void **)&w->en, K ? mn * d : 0}, {(void **)&w->eU, K ? mn * d : 0}, {(void **)&w->ef, K ? mn * d : 0},
      {(void **)&w->eX, K ? mn * EF : 0}, {(void **)&w->X, mn * F}, {(void **)&w->Y1, mn * dh}, {(void **)&w->Y2, mn * dh}, {(void **)&w->r, mn}, {(void **)&w->z, (size_t)h->latent},
    };
    PetscCall(CarveDevice((int)(sizeof(ip) / sizeof(ip[0])), ip, sizeof(int), (void **)&w->imem));
    PetscCall(CarveDevice((int)(sizeof(fp) / sizeof(fp[0])), fp, sizeof(float), (void **)&w->fmem));
  }
  /* the row of each edge and the row starts of the mask (its entries are in CSR order) */
  PetscCall(PetscMalloc2(nnz ? nnz : 1, &erow, n + 1, &mrowptr));
  for (PetscInt i = 0; i < in->n; i++)
    for (PetscInt k = in->rowptr[i]; k < in->rowptr[i + 1]; k++) erow[k] = (int)i;
  PetscCall(PetscArrayzero(mrowptr, n + 1));
  for (PetscInt q = 0; q < in->mnnz; q++) {
    PetscCheck(q == 0 || in->mrow[q] >= in->mrow[q - 1], PETSC_COMM_SELF, PETSC_ERR_PLIB, "GCVAECudaModelForward: mask entries are not in row order");
    mrowptr[in->mrow[q] + 1]++;
  }
  for (PetscInt i = 0; i < in->n; i++) mrowptr[i + 1] += mrowptr[i];
  PetscCall(GCVAECudaCopyToDevice(w->rowptr, in->rowptr, (n + 1) * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(w->colind, in->colind, nnz * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(w->erow, erow, nnz * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(w->mrow, in->mrow, mn * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(w->mcol, in->mcol, mn * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(w->mrowptr, mrowptr, (n + 1) * sizeof(int)));
  PetscCall(GCVAECudaCopyToDevice(w->xnode, in->xnode, n * GCVAE_NODE_FEATURES * sizeof(float)));
  PetscCall(GCVAECudaCopyToDevice(w->xedge, in->xedge, nnz * GCVAE_EDGE_FEATURES * sizeof(float)));
  PetscCall(GCVAECudaCopyToDevice(w->xmask, in->xmask, mn * GCVAE_MASK_FEATURES * sizeof(float)));
  PetscCall(GCVAECudaCopyToDevice(w->z, z, (size_t)h->latent * sizeof(float)));
  PetscCall(PetscFree2(erow, mrowptr));
  PetscFunctionReturn(0);
}

static PetscErrorCode WorkDestroy(DevWork *w)
{
  PetscFunctionBegin;
  PetscCall(GCVAECudaFree(w->imem));
  PetscCall(GCVAECudaFree(w->fmem));
  PetscCall(PetscMemzero(w, sizeof(*w)));
  PetscFunctionReturn(0);
}

/* Edge layer k (EdgeLayerForward of src/model.c): hm (the GATv2 update) and the edge states
   e -> e (new) and hnext = hm + Linear(row sums of LN(e)) */
static PetscErrorCode EdgeLayer(const DevTensors *t, int k, int n, int mn, int d, DevWork *w, float *hnext)
{
  const int    MF = GCVAE_MASK_FEATURES, EF = 3 * d + MF;
  const size_t md = (size_t)mn * d;
  float       *swap;

  PetscFunctionBegin;
  PetscCall(GCVAECudaLayerNorm(w->y, w->hm, t->edge[k].lnn_w, t->edge[k].lnn_b, n, d));
  PetscCall(GCVAECudaLayerNorm(w->en, w->e, t->edge[k].lne_w, t->edge[k].lne_b, mn, d));
  GCVAECallKernel(gcvae_k_gather(w->eX, EF, 0, w->en, d, NULL, mn, d)); /* [LN(e), y_i, y_j, mask features] */
  GCVAECallKernel(gcvae_k_gather(w->eX, EF, d, w->y, d, w->mrow, mn, d));
  GCVAECallKernel(gcvae_k_gather(w->eX, EF, 2 * d, w->y, d, w->mcol, mn, d));
  GCVAECallKernel(gcvae_k_gather(w->eX, EF, 3 * d, w->xmask, MF, NULL, mn, MF));
  PetscCall(GCVAECudaLinear(w->eU, w->eX, t->edge[k].w1, t->edge[k].b1, mn, EF, d));
  PetscCall(GCVAECudaGelu(w->eU, w->eU, md));
  PetscCall(GCVAECudaLinear(w->e1, w->eU, t->edge[k].w2, t->edge[k].b2, mn, d, d));
  PetscCall(GCVAECudaAdd(w->e1, w->e, md));
  swap  = w->e; /* e <- e1 */
  w->e  = w->e1;
  w->e1 = swap;
  PetscCall(GCVAECudaLayerNorm(w->en, w->e, t->edge[k].lna_w, t->edge[k].lna_b, mn, d));
  PetscCall(GCVAECudaRowSum(w->agg, w->en, w->mrowptr, n, d));
  PetscCall(GCVAECudaLinear(hnext, w->agg, t->edge[k].wa, t->edge[k].ba, n, d, d));
  PetscCall(GCVAECudaAdd(hnext, w->hm, (size_t)n * d));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECudaModelForward(GCVAEModel model, GCVAEInput in, GCVAELatentMode mode, const nnreal eps[], nnreal r[])
{
  GCVAEModelHeader *h;
  NNParamBuffer    *buf;
  DevTensors        t;
  DevWork           w;
  float            *dparams, *z;
  DecoderLayout     x;
  int               n, mn, d, H, D, G, K, dh, k;

  PetscFunctionBegin;
  PetscCheck(model && in && r, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GCVAECudaModelForward: model, input and r must not be NULL");
  PetscCall(GCVAEModelGetHeader(model, &h));
  PetscCall(GCVAEModelGetParams(model, &buf));
  PetscCheck(h->decoder == GCVAE_DECODER_GRAPH, PETSC_COMM_SELF, PETSC_ERR_SUP, "generation on CUDA is implemented for graph-decoder models; this model has a cnn decoder: use -pc_gcvae_device cpu");
  PetscCheck(mode == GCVAE_LATENT_MEAN || mode == GCVAE_LATENT_SAMPLE, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAECudaModelForward is inference: latent mode mean or sample (training on CUDA is not implemented)");
  PetscCheck(mode == GCVAE_LATENT_MEAN || eps, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GCVAECudaModelForward: latent mode sample needs eps (%" PetscInt_FMT " values)", h->latent);
  PetscCheck(sizeof(PetscInt) == sizeof(int), PETSC_COMM_SELF, PETSC_ERR_SUP, "the CUDA backend needs PETSc with 32-bit indices");
  PetscCheck(h->gat_layers <= MODEL_MAX_LAYERS, PETSC_COMM_SELF, PETSC_ERR_SUP, "GCVAECudaModelForward: %" PetscInt_FMT " GATv2 layers, at most %d", h->gat_layers, MODEL_MAX_LAYERS);
  PetscCall(GCVAECudaCheckDevice(PETSC_COMM_SELF));
  n  = (int)in->n;
  mn = (int)in->mnnz;
  d  = (int)h->hidden;
  H  = (int)h->heads;
  D  = d / H;
  G  = (int)h->gat_layers;
  K  = (int)h->edge_layers;
  dh = (int)h->decoder_hidden;
  k  = (int)h->latent;
  x  = GraphDecoderLayout(h);

  PetscCall(PetscCalloc1(k, &z)); /* MEAN: z = 0; SAMPLE: z = eps */
  if (mode == GCVAE_LATENT_SAMPLE) PetscCall(PetscArraycpy(z, eps, k));
  PetscCall(GCVAECudaMalloc(buf->count * sizeof(float), (void **)&dparams));
  PetscCall(GCVAECudaCopyToDevice(dparams, buf->params, buf->count * sizeof(float)));
  PetscCall(PointTensors(h, buf, dparams, &t));
  PetscCall(WorkCreate(h, in, z, &w));

  /* graph encoder (EncoderForward) */
  PetscCall(GCVAECudaLinear(w.h, w.xnode, t.in_w, t.in_b, n, GCVAE_NODE_FEATURES, d));
  if (K) PetscCall(GCVAECudaLinear(w.e, w.xmask, t.ein_w, t.ein_b, mn, GCVAE_MASK_FEATURES, d));
  for (int l = 0; l < G; l++) {
    const int ke   = l - (G - K); /* an edge layer follows when ke >= 0 */
    float    *next = ke >= 0 ? w.hm : w.hn, *swap;
    PetscCall(GCVAECudaLayerNorm(w.xn, w.h, t.gat[l].ln_w, t.gat[l].ln_b, n, d));
    PetscCall(GCVAECudaGATv2(w.u, w.T, w.M, w.alpha, w.xn, w.xedge, t.gat[l].ws, t.gat[l].wt, t.gat[l].we, t.gat[l].a, t.gat[l].b, w.rowptr, w.colind, w.erow, n, d, GCVAE_EDGE_FEATURES, H, D, (float)NN_GATV2_SLOPE));
    PetscCall(GCVAECudaGelu(next, w.u, (size_t)n * d));
    PetscCall(GCVAECudaAdd(next, w.h, (size_t)n * d));
    if (ke >= 0) PetscCall(EdgeLayer(&t, ke, n, mn, d, &w, w.hn));
    swap = w.h; /* h <- hn */
    w.h  = w.hn;
    w.hn = swap;
  }
  PetscCall(GCVAECudaLayerNorm(w.hf, w.h, t.lnf_w, t.lnf_b, n, d));
  if (K) PetscCall(GCVAECudaLayerNorm(w.ef, w.e, t.elnf_w, t.elnf_b, mn, d));
  /* the graph code g (mean and max of hf) feeds only the latent MLP (TRAIN) and the cnn
     decoder: not needed here */

  /* graph decoder (GraphDecoderForward) */
  if (x.oe >= 0) GCVAECallKernel(gcvae_k_gather(w.X, x.F, x.oe, w.ef, d, NULL, mn, d));
  GCVAECallKernel(gcvae_k_gather(w.X, x.F, x.oi, w.hf, d, w.mrow, mn, d));
  GCVAECallKernel(gcvae_k_gather(w.X, x.F, x.oj, w.hf, d, w.mcol, mn, d));
  GCVAECallKernel(gcvae_k_gather(w.X, x.F, x.om, w.xmask, GCVAE_MASK_FEATURES, NULL, mn, GCVAE_MASK_FEATURES));
  GCVAECallKernel(gcvae_k_gather(w.X, x.F, x.oz, w.z, 0, NULL, mn, k)); /* z broadcast to every entry */
  PetscCall(GCVAECudaLinear(w.Y1, w.X, t.dec_w[0], t.dec_b[0], mn, x.F, dh));
  PetscCall(GCVAECudaGelu(w.Y1, w.Y1, (size_t)mn * dh));
  PetscCall(GCVAECudaLinear(w.Y2, w.Y1, t.dec_w[1], t.dec_b[1], mn, dh, dh));
  PetscCall(GCVAECudaGelu(w.Y2, w.Y2, (size_t)mn * dh));
  PetscCall(GCVAECudaLinear(w.r, w.Y2, t.dec_w[2], t.dec_b[2], mn, dh, 1));
  GCVAECallKernel(gcvae_k_add_diag(w.r, w.mrow, w.mcol, mn));
  PetscCall(GCVAECudaCopyToHost(r, w.r, (size_t)mn * sizeof(float))); /* synchronises */

  PetscCall(WorkDestroy(&w));
  PetscCall(GCVAECudaFree(dparams));
  PetscCall(PetscFree(z));
  PetscFunctionReturn(0);
}

/* GCVAEGenerate's pipeline (src/generate.c: scaling, mask, input features, R) with the
   network on the device */
PetscErrorCode GCVAECudaGenerate(GCVAEModel model, Mat A, PetscReal extra, GCVAELatentMode mode, const nnreal eps[], Mat *R)
{
  GCVAEModelHeader *hdr;
  GCVAEGenerator    g;

  PetscFunctionBegin;
  PetscCall(GCVAEModelGetHeader(model, &hdr));
  /* before any host work: without a device, or for a cnn decoder, fail at once */
  PetscCheck(hdr->decoder == GCVAE_DECODER_GRAPH, PETSC_COMM_SELF, PETSC_ERR_SUP, "generation on CUDA is implemented for graph-decoder models; this model has a cnn decoder: use -pc_gcvae_device cpu");
  PetscCall(GCVAECudaCheckDevice(PETSC_COMM_SELF));
  PetscCall(GCVAEGeneratorCreate(model, A, extra, PETSC_FALSE, -1, &g));
  PetscCall(GCVAEGeneratorApply(g, mode, eps, GCVAECudaModelForward, 0, R));
  PetscCall(GCVAEGeneratorDestroy(&g));
  PetscFunctionReturn(0);
}
