/* The GCVAE network (DESIGN.md section 4), assembled from the layers of src/nn/.
   d = hidden, H = heads, k = latent, dh = decoder_hidden, Cc = cnn_channels,
   L = cnn_layers, G = gat_layers.

   graph encoder   h0 = x W_in^T + b_in                                  (n, d)
                   h  = h + GELU(GATv2(LayerNorm(h), edge features))    G times (pre-norm)
                   hf = LayerNorm(h)                                     node embeddings
                   g  = [mean_i hf_i, max_i hf_i]                        (2d) graph code
   inverse encoder (TRAIN) image (1, P, P) -> L x [conv 3x3 /2, ReLU] -> mean over pixels
                   -> Linear(Cc -> d) = c
   latent          TRAIN [mu, logvar] = Linear(dh -> 2k)(GELU(Linear(3d -> dh)([g, c])))
                   z = mu + exp(logvar / 2) eps; MEAN z = 0; SAMPLE z = eps
   graph decoder   per mask entry (i, j): [mask features, hf_i, hf_j, z] (4 + 2d + k)
                   -> Linear, GELU -> Linear(dh -> dh), GELU -> Linear(dh -> 1)
   cnn decoder     [z, g] -> Linear(k + 2d -> Cc b b), GELU -> L transposed convs
                   (4x4 /2, GELU between) -> (b 2^L)^2 image, read at (i, j)
   r~_ij = [i == j] + output; the output layer starts at zero, so R~ = I (Jacobi).
   Activations live in model-owned workspace, grown on demand, for the last input. */
#include "inputimpl.h"

#define MODEL_MAX_LAYERS 16 /* gat_layers, cnn_layers */
#define ENC_K            3  /* inverse encoder: 3x3 convolutions, stride 2, padding 1 */
#define DEC_K            4  /* cnn decoder: 4x4 transposed convolutions, stride 2, padding 1 */

typedef struct {
  nnreal *ln_w, *ln_b; /* (d), (d) pre-norm */
  nnreal *ws, *wt;     /* (d, d) source and target projections */
  nnreal *we;          /* (d, GCVAE_EDGE_FEATURES) edge projection */
  nnreal *a;           /* (H, d / H) attention vectors */
  nnreal *b;           /* (d) output bias */
} GATTensors;

/* Pointers into one of the flat buffers (parameters or gradients). */
typedef struct {
  nnreal     *in_w, *in_b;               /* (d, GCVAE_NODE_FEATURES), (d) */
  GATTensors  gat[MODEL_MAX_LAYERS];     /* [G] */
  nnreal     *lnf_w, *lnf_b;             /* (d), (d) final LayerNorm */
  nnreal     *conv_w[MODEL_MAX_LAYERS];  /* [L] (Cc, Cin, 3, 3), Cin = 1 for the first */
  nnreal     *conv_b[MODEL_MAX_LAYERS];  /* [L] (Cc) */
  nnreal     *img_w, *img_b;             /* (d, Cc), (d) */
  nnreal     *lat1_w, *lat1_b;           /* (dh, 3d), (dh) */
  nnreal     *lat2_w, *lat2_b;           /* (2k, dh), (2k): [mu, logvar] */
  nnreal     *dec_w[3], *dec_b[3];       /* graph decoder: (dh, F), (dh, dh), (1, dh); biases */
  nnreal     *fc_w, *fc_b;               /* cnn decoder: (Cc b b, k + 2d), (Cc b b) */
  nnreal     *up_w[MODEL_MAX_LAYERS];    /* [L] (Cc, Cout, 4, 4), Cout = 1 for the last */
  nnreal     *up_b[MODEL_MAX_LAYERS];    /* [L] (Cout) */
} ModelTensors;

typedef enum { INIT_ZERO, INIT_ONE, INIT_UNIFORM } InitKind;

typedef struct {
  char      name[32];
  size_t    size;
  nnreal  **param, **grad; /* where the tensor's pointers go */
  InitKind  init;
  double    bound;         /* INIT_UNIFORM: U(-bound, bound) */
} TensorSpec;

/* A piece of workspace: *slot gets size values. */
typedef struct {
  nnreal **slot;
  size_t   size;
} Chunk;

/* Forward activations (fwd) and backward scratch (bwd), carved from two allocations. */
typedef struct {
  /* graph encoder */
  nnreal *h;                  /* (G + 1, n, d) residual stream */
  nnreal *xn, *lnm, *lnr;     /* (G, n, d), (G, n), (G, n) LayerNorm(h[l]), its mean and 1/std */
  nnreal *u;                  /* (G, n, d) GATv2 output, before GELU */
  nnreal *T, *M, *alpha;      /* (G, n, d), (G, nnz, d), (G, nnz, H) saved by GATv2 */
  nnreal *hf, *lnfm, *lnfr;   /* (n, d), (n), (n) node embeddings */
  nnreal *g;                  /* (2d) graph code */
  /* inverse encoder */
  nnreal *ea[MODEL_MAX_LAYERS + 1]; /* [L+1] ea[0] = image (1, P, P), ea[l] (Cc, P_l, P_l) after ReLU */
  nnreal *pool, *c;           /* (Cc), (d) */
  /* latent */
  nnreal *gc, *t, *s, *ml;    /* (3d), (dh), (dh), (2k) */
  nnreal *z, *eps;            /* (k), (k) */
  /* graph decoder */
  nnreal *X, *Y1, *G1, *Y2, *G2; /* (mnnz, F), (mnnz, dh) x 4 */
  /* cnn decoder */
  nnreal *v;                  /* (k + 2d) */
  nnreal *dy[MODEL_MAX_LAYERS + 1], *da[MODEL_MAX_LAYERS]; /* dy[0] (Cc b b) ... dy[L] (S, S) image; da[l] = GELU(dy[l]) */
} Activations;

typedef struct {
  nnreal *dh, *dx, *du, *dhf; /* (n, d) each */
  nnreal *dg, *dz;            /* (2d), (k) */
  nnreal *dA, *dB, *dX;       /* graph decoder: (mnnz, dh) x 2, (mnnz, F) */
  nnreal *dv, *dd0, *dd1;     /* cnn decoder: (k + 2d), 2 x the largest decoder tensor */
  nnreal *dgc, *dt, *ds, *dml; /* latent: (3d), (dh), (dh), (2k) */
  nnreal *dc, *dpool, *de0, *de1; /* inverse encoder: (d), (Cc), 2 x the largest encoder tensor */
} Gradients;

struct _n_GCVAEModel {
  GCVAEModelHeader hdr;
  NNParamBuffer    buf;
  ModelTensors     P, G;        /* parameters and gradients, carved from buf */
  Activations      act;
  Gradients        grd;
  nnreal          *fwd, *bwd;   /* the workspace allocations */
  size_t           fwd_cap, bwd_cap;
  int             *argmax;      /* (d) node of each column's maximum in g */
  /* the last forward */
  GCVAEInput       last;
  PetscInt         last_n, last_nnz, last_mnnz;
  GCVAELatentMode  last_mode;
  PetscBool        have_forward;
};

/* ---- architecture ---------------------------------------------------------- */

static PetscErrorCode CheckHeader(const GCVAEModelHeader *h)
{
  PetscFunctionBegin;
  PetscCheck(h->decoder == GCVAE_DECODER_GRAPH || h->decoder == GCVAE_DECODER_CNN, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: decoder kind %d must be %d (graph) or %d (cnn)", (int)h->decoder, GCVAE_DECODER_GRAPH, GCVAE_DECODER_CNN);
  PetscCheck(h->node_features == GCVAE_NODE_FEATURES, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: node_features = %" PetscInt_FMT ", this build computes %d", h->node_features, GCVAE_NODE_FEATURES);
  PetscCheck(h->edge_features == GCVAE_EDGE_FEATURES, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: edge_features = %" PetscInt_FMT ", this build computes %d", h->edge_features, GCVAE_EDGE_FEATURES);
  PetscCheck(h->hidden >= 1 && h->hidden <= 4096, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: hidden = %" PetscInt_FMT " must be in [1, 4096]", h->hidden);
  PetscCheck(h->heads >= 1 && h->hidden % h->heads == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: heads = %" PetscInt_FMT " must be >= 1 and divide hidden = %" PetscInt_FMT, h->heads, h->hidden);
  PetscCheck(h->gat_layers >= 1 && h->gat_layers <= MODEL_MAX_LAYERS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: gat_layers = %" PetscInt_FMT " must be in [1, %d]", h->gat_layers, MODEL_MAX_LAYERS);
  PetscCheck(h->latent >= 1 && h->latent <= 4096, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: latent = %" PetscInt_FMT " must be in [1, 4096]", h->latent);
  PetscCheck(h->decoder_hidden >= 1 && h->decoder_hidden <= 4096, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: decoder_hidden = %" PetscInt_FMT " must be in [1, 4096]", h->decoder_hidden);
  PetscCheck(h->image_size >= 1 && h->image_size <= 4096, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: image_size = %" PetscInt_FMT " must be in [1, 4096]", h->image_size);
  PetscCheck(h->cnn_channels >= 1 && h->cnn_channels <= 1024, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: cnn_channels = %" PetscInt_FMT " must be in [1, 1024]", h->cnn_channels);
  PetscCheck(h->cnn_layers >= 1 && h->cnn_layers <= 12, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: cnn_layers = %" PetscInt_FMT " must be in [1, 12]", h->cnn_layers);
  if (h->decoder == GCVAE_DECODER_GRAPH) PetscCheck(h->cnn_n == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: cnn_n = %" PetscInt_FMT " must be 0 for the graph decoder (it works for any n)", h->cnn_n);
  if (h->decoder == GCVAE_DECODER_CNN) PetscCheck(h->cnn_n >= 1 && h->cnn_n <= 65536, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: a cnn decoder needs the matrix size cnn_n in [1, 65536], got %" PetscInt_FMT, h->cnn_n);
  PetscCheck(h->scaling == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: scaling = %" PetscInt_FMT "; only 1 (Jacobi) exists", h->scaling);
  PetscFunctionReturn(0);
}

/* side b of the cnn decoder's first image: b 2^L >= cnn_n */
static int DecoderBase(const GCVAEModelHeader *h)
{
  const int two = 1 << h->cnn_layers;
  return (int)((h->cnn_n + two - 1) / two);
}

/* The named tensors of hdr's architecture, in buffer order; *nt of them. */
static PetscErrorCode TensorTable(GCVAEModel m, int *nt, TensorSpec **specs)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int d = h->hidden, H = h->heads, k = h->latent, dh = h->decoder_hidden, Cc = h->cnn_channels, L = h->cnn_layers, G = h->gat_layers;
  const int NF = GCVAE_NODE_FEATURES, EF = GCVAE_EDGE_FEATURES, F = GCVAE_MASK_FEATURES + 2 * d + k;
  TensorSpec *s;
  int         i = 0;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(16 + 7 * G + 4 * L, &s));
#define ADD(NAME, SIZE, PF, INIT, BOUND) \
  do { \
    PetscCall(PetscSNPrintf(s[i].name, sizeof(s[i].name), "%s", NAME)); \
    s[i].size  = (size_t)(SIZE); \
    s[i].param = &m->P.PF; \
    s[i].grad  = &m->G.PF; \
    s[i].init  = INIT; \
    s[i].bound = BOUND; \
    i++; \
  } while (0)
#define XAVIER(FI, FO) sqrt(6.0 / ((double)(FI) + (double)(FO))) /* no activation after */
#define HE(FI)         sqrt(6.0 / (double)(FI))                   /* (GE/Re)LU after */
  ADD("enc.in.w", d * NF, in_w, INIT_UNIFORM, XAVIER(NF, d));
  ADD("enc.in.b", d, in_b, INIT_ZERO, 0);
  for (int l = 0; l < G; l++) {
    char nm[32];
#define ADDL(SUF, SIZE, PF, INIT, BOUND) \
  do { \
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "enc.gat%d.%s", l, SUF)); \
    ADD(nm, SIZE, PF, INIT, BOUND); \
  } while (0)
    ADDL("ln.w", d, gat[l].ln_w, INIT_ONE, 0);
    ADDL("ln.b", d, gat[l].ln_b, INIT_ZERO, 0);
    ADDL("ws", d * d, gat[l].ws, INIT_UNIFORM, XAVIER(d, d));
    ADDL("wt", d * d, gat[l].wt, INIT_UNIFORM, XAVIER(d, d));
    ADDL("we", d * EF, gat[l].we, INIT_UNIFORM, XAVIER(EF, d));
    ADDL("a", d, gat[l].a, INIT_UNIFORM, XAVIER(d / H, 1));
    ADDL("b", d, gat[l].b, INIT_ZERO, 0);
  }
  ADD("enc.lnf.w", d, lnf_w, INIT_ONE, 0);
  ADD("enc.lnf.b", d, lnf_b, INIT_ZERO, 0);
  for (int l = 0; l < L; l++) {
    char nm[32];
    const int cin = l ? Cc : 1;
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "inv.conv%d.w", l));
    ADD(nm, Cc * cin * ENC_K * ENC_K, conv_w[l], INIT_UNIFORM, HE(cin * ENC_K * ENC_K));
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "inv.conv%d.b", l));
    ADD(nm, Cc, conv_b[l], INIT_ZERO, 0);
  }
  ADD("inv.out.w", d * Cc, img_w, INIT_UNIFORM, XAVIER(Cc, d));
  ADD("inv.out.b", d, img_b, INIT_ZERO, 0);
  ADD("lat.h.w", dh * 3 * d, lat1_w, INIT_UNIFORM, HE(3 * d));
  ADD("lat.h.b", dh, lat1_b, INIT_ZERO, 0);
  ADD("lat.out.w", 2 * k * dh, lat2_w, INIT_UNIFORM, XAVIER(dh, 2 * k));
  ADD("lat.out.b", 2 * k, lat2_b, INIT_ZERO, 0);
  if (h->decoder == GCVAE_DECODER_GRAPH) {
    ADD("dec.l1.w", dh * F, dec_w[0], INIT_UNIFORM, HE(F));
    ADD("dec.l1.b", dh, dec_b[0], INIT_ZERO, 0);
    ADD("dec.l2.w", dh * dh, dec_w[1], INIT_UNIFORM, HE(dh));
    ADD("dec.l2.b", dh, dec_b[1], INIT_ZERO, 0);
    ADD("dec.out.w", dh, dec_w[2], INIT_ZERO, 0); /* zero: an untrained model is Jacobi */
    ADD("dec.out.b", 1, dec_b[2], INIT_ZERO, 0);
  } else {
    const size_t b = (size_t)DecoderBase(h);
    ADD("dec.fc.w", (size_t)Cc * b * b * (k + 2 * d), fc_w, INIT_UNIFORM, HE(k + 2 * d));
    ADD("dec.fc.b", (size_t)Cc * b * b, fc_b, INIT_ZERO, 0);
    for (int l = 0; l < L; l++) {
      char      nm[32];
      const int last = l == L - 1, cout = last ? 1 : Cc;
      /* a 4x4 stride-2 transposed conv gives each output Cin 2 x 2 taps: fan-in 4 Cin */
      PetscCall(PetscSNPrintf(nm, sizeof(nm), "dec.up%d.w", l));
      ADD(nm, Cc * cout * DEC_K * DEC_K, up_w[l], last ? INIT_ZERO : INIT_UNIFORM, HE(4 * Cc));
      PetscCall(PetscSNPrintf(nm, sizeof(nm), "dec.up%d.b", l));
      ADD(nm, cout, up_b[l], INIT_ZERO, 0);
    }
  }
#undef ADDL
#undef ADD
#undef XAVIER
#undef HE
  for (int t = 0; t < i; t++) PetscCheck(s[t].size <= (size_t)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: tensor %s has %zu values, too many for 32-bit BLAS", s[t].name, s[t].size);
  *nt    = i;
  *specs = s;
  PetscFunctionReturn(0);
}

/* splitmix64: a deterministic generator independent of the platform */
static uint64_t SplitMix(uint64_t *state)
{
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A model with the buffer laid out but not initialised (all zero). */
static PetscErrorCode ModelAllocate(const GCVAEModelHeader *hdr, GCVAEModel *model)
{
  GCVAEModel   m;
  TensorSpec  *s;
  int          nt;
  const char **names;
  size_t      *sizes;

  PetscFunctionBegin;
  PetscCall(CheckHeader(hdr));
  PetscCall(PetscNew(&m));
  m->hdr = *hdr;
  PetscCall(TensorTable(m, &nt, &s));
  PetscCall(PetscMalloc2(nt, &names, nt, &sizes));
  for (int t = 0; t < nt; t++) {
    names[t] = s[t].name;
    sizes[t] = s[t].size;
  }
  PetscCall(nn_params_create(nt, names, sizes, &m->buf));
  PetscCheck(m->buf.count <= (size_t)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: %zu parameters do not fit the model file's PetscInt count", m->buf.count);
  for (int t = 0; t < nt; t++) {
    *s[t].param = m->buf.params + m->buf.offsets[t];
    *s[t].grad  = m->buf.grads + m->buf.offsets[t];
  }
  m->hdr.nparams = (PetscInt)m->buf.count;
  PetscCall(PetscMalloc1(hdr->hidden, &m->argmax));
  PetscCall(PetscFree2(names, sizes));
  PetscCall(PetscFree(s));
  *model = m;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelCheckSize(GCVAEModel m, PetscInt n)
{
  const GCVAEModelHeader *h = &m->hdr;

  PetscFunctionBegin;
  PetscCheck(h->decoder != GCVAE_DECODER_CNN || n == h->cnn_n, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "this cnn model was trained for n = %" PetscInt_FMT ", the matrix has n = %" PetscInt_FMT "; use a graph-decoder model", h->cnn_n, n);
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelCreate(const GCVAEModelHeader *hdr, PetscInt seed, GCVAEModel *model)
{
  GCVAEModel  m;
  TensorSpec *s;
  int         nt;
  uint64_t    state = 0x5eed0000ull + (uint64_t)seed;

  PetscFunctionBegin;
  PetscCheck(hdr, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument hdr is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(model, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument model is NULL", PETSC_FUNCTION_NAME);
  PetscCall(ModelAllocate(hdr, &m));
  PetscCall(TensorTable(m, &nt, &s));
  for (int t = 0; t < nt; t++) {
    nnreal *p = *s[t].param;
    for (size_t i = 0; i < s[t].size; i++) {
      double u = (double)(SplitMix(&state) >> 40) / (double)(1ull << 24); /* 24 bits: the same value in float and double builds */
      switch (s[t].init) {
      case INIT_ZERO: p[i] = 0; break;
      case INIT_ONE: p[i] = 1; break;
      case INIT_UNIFORM: p[i] = (nnreal)(float)(s[t].bound * (2 * u - 1)); break;
      }
    }
  }
  PetscCall(PetscFree(s));
  *model = m;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelLoad(MPI_Comm comm, const char path[], GCVAEModel *model)
{
  GCVAEModelHeader hdr;
  GCVAEModel       m;
  float           *params;
  PetscInt         nfile;

  PetscFunctionBegin;
  PetscCheck(path, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument path is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(model, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument model is NULL", PETSC_FUNCTION_NAME);
  PetscCall(GCVAEModelRead(comm, path, &hdr, &params));
  nfile = hdr.nparams;
  PetscCall(ModelAllocate(&hdr, &m));
  if (nfile != m->hdr.nparams) {
    const PetscInt need = m->hdr.nparams;
    PetscCall(PetscFree(params));
    PetscCall(GCVAEModelDestroy(&m));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "Model file %s holds %" PetscInt_FMT " parameters but its architecture (decoder %s, hidden %" PetscInt_FMT ", gat_layers %" PetscInt_FMT ", heads %" PetscInt_FMT ", latent %" PetscInt_FMT ", decoder_hidden %" PetscInt_FMT ", cnn %" PetscInt_FMT " x %" PetscInt_FMT ", cnn_n %" PetscInt_FMT ") needs %" PetscInt_FMT, path, nfile, hdr.decoder == GCVAE_DECODER_CNN ? "cnn" : "graph", hdr.hidden, hdr.gat_layers, hdr.heads, hdr.latent, hdr.decoder_hidden, hdr.cnn_layers, hdr.cnn_channels, hdr.cnn_n, need);
  }
  for (size_t i = 0; i < m->buf.count; i++) m->buf.params[i] = (nnreal)params[i];
  PetscCall(PetscFree(params));
  *model = m;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelSave(GCVAEModel m, const char path[])
{
  float *params;

  PetscFunctionBegin;
  PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument m is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(path, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument path is NULL", PETSC_FUNCTION_NAME);
  m->hdr.nparams = (PetscInt)m->buf.count;
  PetscCall(PetscMalloc1(m->buf.count, &params));
  for (size_t i = 0; i < m->buf.count; i++) params[i] = (float)m->buf.params[i];
  PetscCall(GCVAEModelWrite(path, &m->hdr, params));
  PetscCall(PetscFree(params));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelDestroy(GCVAEModel *model)
{
  PetscFunctionBegin;
  if (!model || !*model) PetscFunctionReturn(0);
  PetscCall(nn_params_destroy(&(*model)->buf));
  PetscCall(PetscFree((*model)->fwd));
  PetscCall(PetscFree((*model)->bwd));
  PetscCall(PetscFree((*model)->argmax));
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelGetHeader(GCVAEModel m, GCVAEModelHeader **hdr)
{
  PetscFunctionBegin;
  PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument m is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(hdr, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument hdr is NULL", PETSC_FUNCTION_NAME);
  *hdr = &m->hdr;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelGetParams(GCVAEModel m, NNParamBuffer **buf)
{
  PetscFunctionBegin;
  PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument m is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(buf, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument buf is NULL", PETSC_FUNCTION_NAME);
  *buf = &m->buf;
  PetscFunctionReturn(0);
}

/* ---- workspace ----------------------------------------------------------- */

/* Point chunks[] into *mem, growing it (zeroed) when the total exceeds *cap. */
static PetscErrorCode Carve(nnreal **mem, size_t *cap, int nchunks, const Chunk chunks[])
{
  size_t total = 0, off = 0;

  PetscFunctionBegin;
  for (int c = 0; c < nchunks; c++) total += chunks[c].size;
  if (total > *cap || !*mem) {
    PetscCall(PetscFree(*mem));
    PetscCall(PetscCalloc1(total ? total : 1, mem));
    *cap = total;
  }
  for (int c = 0; c < nchunks; c++) {
    *chunks[c].slot = chunks[c].size ? *mem + off : NULL;
    off += chunks[c].size;
  }
  PetscFunctionReturn(0);
}

/* side of the inverse encoder's image after l convolutions */
static int EncoderSide(const GCVAEModelHeader *h, int l)
{
  int side = (int)h->image_size;
  for (int i = 0; i < l; i++) side = nn_conv2d_out_size(side, ENC_K, 2, 1);
  return side;
}

/* elements of the cnn decoder's tensor dy[l] (l = 0: after the first linear layer) */
static size_t DecoderSize(const GCVAEModelHeader *h, int l)
{
  const size_t side = (size_t)DecoderBase(h) << l;
  return (l == h->cnn_layers ? 1 : (size_t)h->cnn_channels) * side * side;
}

#define MAX_CHUNKS (64 + 2 * MODEL_MAX_LAYERS)

static PetscErrorCode ForwardWorkspace(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const size_t n = in->n, nnz = in->nnz, mnnz = in->mnnz, d = h->hidden, H = h->heads, k = h->latent, dh = h->decoder_hidden, G = h->gat_layers, Cc = h->cnn_channels;
  const size_t F     = GCVAE_MASK_FEATURES + 2 * d + k;
  const int    graph = h->decoder == GCVAE_DECODER_GRAPH, L = (int)h->cnn_layers;
  Activations *a     = &m->act;
  Chunk        c[MAX_CHUNKS];
  int          nc    = 0;

  PetscFunctionBegin;
#define CH(PTR, SIZE) c[nc++] = (Chunk){&(PTR), (size_t)(SIZE)}
  CH(a->h, (G + 1) * n * d);
  CH(a->xn, G * n * d);
  CH(a->lnm, G * n);
  CH(a->lnr, G * n);
  CH(a->u, G * n * d);
  CH(a->T, G * n * d);
  CH(a->M, G * nnz * d);
  CH(a->alpha, G * nnz * H);
  CH(a->hf, n * d);
  CH(a->lnfm, n);
  CH(a->lnfr, n);
  CH(a->g, 2 * d);
  for (int l = 1; l <= L; l++) {
    const size_t side = (size_t)EncoderSide(h, l);
    CH(a->ea[l], Cc * side * side);
  }
  CH(a->pool, Cc);
  CH(a->c, d);
  CH(a->gc, 3 * d);
  CH(a->t, dh);
  CH(a->s, dh);
  CH(a->ml, 2 * k);
  CH(a->z, k);
  CH(a->eps, k);
  CH(a->X, graph ? mnnz * F : 0);
  CH(a->Y1, graph ? mnnz * dh : 0);
  CH(a->G1, graph ? mnnz * dh : 0);
  CH(a->Y2, graph ? mnnz * dh : 0);
  CH(a->G2, graph ? mnnz * dh : 0);
  CH(a->v, graph ? 0 : k + 2 * d);
  for (int l = 0; l <= L; l++) CH(a->dy[l], graph ? 0 : DecoderSize(h, l));
  for (int l = 0; l < L; l++) CH(a->da[l], graph ? 0 : DecoderSize(h, l));
#undef CH
  PetscCall(Carve(&m->fwd, &m->fwd_cap, nc, c));
  PetscFunctionReturn(0);
}

static PetscErrorCode BackwardWorkspace(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const size_t n = in->n, mnnz = in->mnnz, d = h->hidden, k = h->latent, dh = h->decoder_hidden, Cc = h->cnn_channels;
  const size_t F     = GCVAE_MASK_FEATURES + 2 * d + k;
  const int    graph = h->decoder == GCVAE_DECODER_GRAPH, L = (int)h->cnn_layers;
  Gradients   *g     = &m->grd;
  size_t       emax = 1, dmax = 1;
  Chunk        c[MAX_CHUNKS];
  int          nc = 0;

  PetscFunctionBegin;
  for (int l = 0; l <= L; l++) emax = PetscMax(emax, (l ? Cc : 1) * (size_t)EncoderSide(h, l) * EncoderSide(h, l));
  if (!graph)
    for (int l = 0; l <= L; l++) dmax = PetscMax(dmax, DecoderSize(h, l));
#define CH(PTR, SIZE) c[nc++] = (Chunk){&(PTR), (size_t)(SIZE)}
  CH(g->dh, n * d);
  CH(g->dx, n * d);
  CH(g->du, n * d);
  CH(g->dhf, n * d);
  CH(g->dg, 2 * d);
  CH(g->dz, k);
  CH(g->dA, graph ? mnnz * dh : 0);
  CH(g->dB, graph ? mnnz * dh : 0);
  CH(g->dX, graph ? mnnz * F : 0);
  CH(g->dv, graph ? 0 : k + 2 * d);
  CH(g->dd0, graph ? 0 : dmax);
  CH(g->dd1, graph ? 0 : dmax);
  CH(g->dgc, 3 * d);
  CH(g->dt, dh);
  CH(g->ds, dh);
  CH(g->dml, 2 * k);
  CH(g->dc, d);
  CH(g->dpool, Cc);
  CH(g->de0, emax);
  CH(g->de1, emax);
#undef CH
  PetscCall(Carve(&m->bwd, &m->bwd_cap, nc, c));
  PetscFunctionReturn(0);
}

static void Zero(nnreal *x, size_t N)
{
  if (N) memset(x, 0, N * sizeof(*x));
}

/* ---- forward --------------------------------------------------------------- */

static PetscErrorCode EncoderForward(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    n = (int)in->n, d = (int)h->hidden, H = (int)h->heads, D = d / H;
  const size_t nd = (size_t)n * d, nnz = (size_t)in->nnz;
  Activations *a  = &m->act;

  PetscFunctionBegin;
  nn_linear_forward(a->h, in->xnode, m->P.in_w, m->P.in_b, n, GCVAE_NODE_FEATURES, d);
  for (int l = 0; l < h->gat_layers; l++) {
    const GATTensors *p  = &m->P.gat[l];
    const nnreal     *hl = a->h + l * nd;
    nnreal           *hn = a->h + (l + 1) * nd, *xn = a->xn + l * nd, *u = a->u + l * nd;
    nn_layernorm_forward(xn, a->lnm + (size_t)l * n, a->lnr + (size_t)l * n, hl, p->ln_w, p->ln_b, n, d);
    nn_gatv2_forward(u, a->T + l * nd, a->M + l * nnz * d, a->alpha + l * nnz * H, xn, in->xedge, p->ws, p->wt, p->we, p->a, p->b, in->rowptr, in->colind, n, d, GCVAE_EDGE_FEATURES, H, D, (nnreal)NN_GATV2_SLOPE);
    nn_gelu_forward(hn, u, nd);
    for (size_t i = 0; i < nd; i++) hn[i] += hl[i];
  }
  nn_layernorm_forward(a->hf, a->lnfm, a->lnfr, a->h + h->gat_layers * nd, m->P.lnf_w, m->P.lnf_b, n, d);
  nn_graphpool_mean_forward(a->g, a->hf, n, d);
  nn_graphpool_max_forward(a->g + d, m->argmax, a->hf, n, d);
  PetscFunctionReturn(0);
}

static PetscErrorCode ImageEncoderForward(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    Cc = (int)h->cnn_channels, L = (int)h->cnn_layers, S = EncoderSide(h, L);
  Activations *a  = &m->act;

  PetscFunctionBegin;
  a->ea[0] = in->image;
  for (int l = 0; l < L; l++) {
    const int    side = EncoderSide(h, l), out = EncoderSide(h, l + 1);
    const size_t N    = (size_t)Cc * out * out;
    PetscCall(nn_conv2d_forward(a->ea[l + 1], a->ea[l], m->P.conv_w[l], m->P.conv_b[l], 1, l ? Cc : 1, side, side, Cc, ENC_K, 2, 1));
    nn_relu_forward(a->ea[l + 1], a->ea[l + 1], N);
  }
  for (int c = 0; c < Cc; c++) { /* global average pool */
    double sum = 0;
    for (int p = 0; p < S * S; p++) sum += a->ea[L][(size_t)c * S * S + p];
    a->pool[c] = (nnreal)(sum / (S * S));
  }
  nn_linear_forward(a->c, a->pool, m->P.img_w, m->P.img_b, 1, Cc, (int)h->hidden);
  PetscFunctionReturn(0);
}

static PetscErrorCode LatentForward(GCVAEModel m, const nnreal eps[], double *kl)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    d = (int)h->hidden, k = (int)h->latent, dh = (int)h->decoder_hidden;
  Activations *a = &m->act;

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(a->gc, a->g, 2 * d));
  PetscCall(PetscArraycpy(a->gc + 2 * d, a->c, d));
  PetscCall(PetscArraycpy(a->eps, eps, k));
  nn_linear_forward(a->t, a->gc, m->P.lat1_w, m->P.lat1_b, 1, 3 * d, dh);
  nn_gelu_forward(a->s, a->t, dh);
  nn_linear_forward(a->ml, a->s, m->P.lat2_w, m->P.lat2_b, 1, dh, 2 * k);
  nn_reparam_forward(a->z, a->ml, a->ml + k, a->eps, k);
  *kl = nn_kl_forward(a->ml, a->ml + k, k);
  PetscFunctionReturn(0);
}

static PetscErrorCode GraphDecoderForward(GCVAEModel m, GCVAEInput in, nnreal r[])
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    d = (int)h->hidden, k = (int)h->latent, dh = (int)h->decoder_hidden, mn = (int)in->mnnz;
  const int    F = GCVAE_MASK_FEATURES + 2 * d + k;
  Activations *a = &m->act;

  PetscFunctionBegin;
  for (PetscInt e = 0; e < in->mnnz; e++) { /* X_e = [mask features, hf_i, hf_j, z] */
    nnreal *x = a->X + (size_t)e * F;
    PetscCall(PetscArraycpy(x, in->xmask + (size_t)e * GCVAE_MASK_FEATURES, GCVAE_MASK_FEATURES));
    PetscCall(PetscArraycpy(x + GCVAE_MASK_FEATURES, a->hf + (size_t)in->mrow[e] * d, d));
    PetscCall(PetscArraycpy(x + GCVAE_MASK_FEATURES + d, a->hf + (size_t)in->mcol[e] * d, d));
    PetscCall(PetscArraycpy(x + GCVAE_MASK_FEATURES + 2 * d, a->z, k));
  }
  nn_linear_forward(a->Y1, a->X, m->P.dec_w[0], m->P.dec_b[0], mn, F, dh);
  nn_gelu_forward(a->G1, a->Y1, (size_t)mn * dh);
  nn_linear_forward(a->Y2, a->G1, m->P.dec_w[1], m->P.dec_b[1], mn, dh, dh);
  nn_gelu_forward(a->G2, a->Y2, (size_t)mn * dh);
  nn_linear_forward(r, a->G2, m->P.dec_w[2], m->P.dec_b[2], mn, dh, 1);
  for (PetscInt e = 0; e < in->mnnz; e++) r[e] += (nnreal)(in->mrow[e] == in->mcol[e]);
  PetscFunctionReturn(0);
}

static PetscErrorCode CnnDecoderForward(GCVAEModel m, GCVAEInput in, nnreal r[])
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    d = (int)h->hidden, k = (int)h->latent, Cc = (int)h->cnn_channels, L = (int)h->cnn_layers, b = DecoderBase(h), S = b << L;
  Activations *a = &m->act;

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(a->v, a->z, k));
  PetscCall(PetscArraycpy(a->v + k, a->g, 2 * d));
  nn_linear_forward(a->dy[0], a->v, m->P.fc_w, m->P.fc_b, 1, k + 2 * d, (int)DecoderSize(h, 0));
  for (int l = 0; l < L; l++) {
    nn_gelu_forward(a->da[l], a->dy[l], DecoderSize(h, l));
    PetscCall(nn_convt2d_forward(a->dy[l + 1], a->da[l], m->P.up_w[l], m->P.up_b[l], 1, Cc, b << l, b << l, l == L - 1 ? 1 : Cc, DEC_K, 2, 1, 0));
  }
  for (PetscInt e = 0; e < in->mnnz; e++) r[e] = (nnreal)(in->mrow[e] == in->mcol[e]) + a->dy[L][(size_t)in->mrow[e] * S + in->mcol[e]];
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelForward(GCVAEModel m, GCVAEInput in, GCVAELatentMode mode, const nnreal eps[], nnreal r[], double *kl)
{
  const GCVAEModelHeader *h = &m->hdr;

  PetscFunctionBegin;
  PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument m is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument in is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(r, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument r is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(mode == GCVAE_LATENT_TRAIN || mode == GCVAE_LATENT_MEAN || mode == GCVAE_LATENT_SAMPLE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAEModelForward: unknown latent mode %d", (int)mode);
  PetscCheck(mode == GCVAE_LATENT_MEAN || eps, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GCVAEModelForward: latent modes train and sample need eps (%" PetscInt_FMT " values)", h->latent);
  PetscCall(GCVAEModelCheckSize(m, in->n));
  if (mode == GCVAE_LATENT_TRAIN) {
    PetscCheck(in->image, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "GCVAEModelForward: training mode needs the |A^-1| image (GCVAEInputSetImage)");
    PetscCheck(in->P == h->image_size, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "GCVAEModelForward: the model's inverse encoder reads %" PetscInt_FMT " x %" PetscInt_FMT " images, the input's is %" PetscInt_FMT " x %" PetscInt_FMT, h->image_size, h->image_size, in->P, in->P);
  }
  m->have_forward = PETSC_FALSE;
  PetscCall(ForwardWorkspace(m, in));
  PetscCall(EncoderForward(m, in));
  if (kl) *kl = 0;
  switch (mode) {
  case GCVAE_LATENT_TRAIN: {
    double k;
    PetscCall(ImageEncoderForward(m, in));
    PetscCall(LatentForward(m, eps, &k));
    if (kl) *kl = k;
  } break;
  case GCVAE_LATENT_MEAN: Zero(m->act.z, h->latent); break;
  case GCVAE_LATENT_SAMPLE: PetscCall(PetscArraycpy(m->act.z, eps, h->latent)); break;
  }
  if (h->decoder == GCVAE_DECODER_GRAPH) PetscCall(GraphDecoderForward(m, in, r));
  else PetscCall(CnnDecoderForward(m, in, r));
  m->last         = in;
  m->last_n       = in->n;
  m->last_nnz     = in->nnz;
  m->last_mnnz    = in->mnnz;
  m->last_mode    = mode;
  m->have_forward = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---- backward -------------------------------------------------------------- */

/* dr -> dhf (node embeddings) and dz */
static void GraphDecoderBackward(GCVAEModel m, GCVAEInput in, const nnreal dr[])
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    d = (int)h->hidden, k = (int)h->latent, dh = (int)h->decoder_hidden, mn = (int)in->mnnz;
  const int    F = GCVAE_MASK_FEATURES + 2 * d + k;
  const size_t N = (size_t)mn * dh;
  Activations *a = &m->act;
  Gradients   *g = &m->grd;

  Zero(g->dA, N);
  nn_linear_backward(g->dA, m->G.dec_w[2], m->G.dec_b[2], dr, a->G2, m->P.dec_w[2], mn, dh, 1);
  Zero(g->dB, N);
  nn_gelu_backward(g->dB, g->dA, a->Y2, N);
  Zero(g->dA, N);
  nn_linear_backward(g->dA, m->G.dec_w[1], m->G.dec_b[1], g->dB, a->G1, m->P.dec_w[1], mn, dh, dh);
  Zero(g->dB, N);
  nn_gelu_backward(g->dB, g->dA, a->Y1, N);
  Zero(g->dX, (size_t)mn * F);
  nn_linear_backward(g->dX, m->G.dec_w[0], m->G.dec_b[0], g->dB, a->X, m->P.dec_w[0], mn, F, dh);
  for (PetscInt e = 0; e < in->mnnz; e++) { /* scatter to the two nodes and the latent */
    const nnreal *dx = g->dX + (size_t)e * F + GCVAE_MASK_FEATURES;
    nnreal       *di = g->dhf + (size_t)in->mrow[e] * d, *dj = g->dhf + (size_t)in->mcol[e] * d;
    for (int c = 0; c < d; c++) {
      di[c] += dx[c];
      dj[c] += dx[d + c];
    }
    for (int c = 0; c < k; c++) g->dz[c] += dx[2 * d + c];
  }
}

/* dr -> dg (graph code) and dz */
static PetscErrorCode CnnDecoderBackward(GCVAEModel m, GCVAEInput in, const nnreal dr[])
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    d = (int)h->hidden, k = (int)h->latent, Cc = (int)h->cnn_channels, L = (int)h->cnn_layers, b = DecoderBase(h), S = b << L;
  Activations *a = &m->act;
  Gradients   *g = &m->grd;
  nnreal      *dout = g->dd0, *dinp = g->dd1;

  PetscFunctionBegin;
  Zero(dout, DecoderSize(h, L));
  for (PetscInt e = 0; e < in->mnnz; e++) dout[(size_t)in->mrow[e] * S + in->mcol[e]] += dr[e];
  for (int l = L - 1; l >= 0; l--) { /* dout = d dy[l+1] -> dinp = d da[l] -> dout = d dy[l] */
    Zero(dinp, DecoderSize(h, l));
    PetscCall(nn_convt2d_backward(dinp, m->G.up_w[l], m->G.up_b[l], dout, a->da[l], m->P.up_w[l], 1, Cc, b << l, b << l, l == L - 1 ? 1 : Cc, DEC_K, 2, 1, 0));
    Zero(dout, DecoderSize(h, l));
    nn_gelu_backward(dout, dinp, a->dy[l], DecoderSize(h, l));
  }
  Zero(g->dv, k + 2 * d);
  nn_linear_backward(g->dv, m->G.fc_w, m->G.fc_b, dout, a->v, m->P.fc_w, 1, k + 2 * d, (int)DecoderSize(h, 0));
  for (int c = 0; c < k; c++) g->dz[c] += g->dv[c];
  for (int c = 0; c < 2 * d; c++) g->dg[c] += g->dv[k + c];
  PetscFunctionReturn(0);
}

/* dz, kl_weight -> dg and the inverse encoder's parameters */
static PetscErrorCode LatentBackward(GCVAEModel m, double kl_weight)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    d = (int)h->hidden, k = (int)h->latent, dh = (int)h->decoder_hidden, Cc = (int)h->cnn_channels, L = (int)h->cnn_layers;
  Activations *a = &m->act;
  Gradients   *g = &m->grd;
  nnreal      *dout = g->de0, *dinp = g->de1;

  PetscFunctionBegin;
  Zero(g->dml, 2 * k);
  nn_reparam_backward(g->dml, g->dml + k, g->dz, a->ml + k, a->eps, k);
  nn_kl_backward(g->dml, g->dml + k, (nnreal)kl_weight, a->ml, a->ml + k, k);
  Zero(g->ds, dh);
  nn_linear_backward(g->ds, m->G.lat2_w, m->G.lat2_b, g->dml, a->s, m->P.lat2_w, 1, dh, 2 * k);
  Zero(g->dt, dh);
  nn_gelu_backward(g->dt, g->ds, a->t, dh);
  Zero(g->dgc, 3 * d);
  nn_linear_backward(g->dgc, m->G.lat1_w, m->G.lat1_b, g->dt, a->gc, m->P.lat1_w, 1, 3 * d, dh);
  for (int c = 0; c < 2 * d; c++) g->dg[c] += g->dgc[c];
  /* inverse encoder: dc -> pool -> ReLU/conv layers (parameters only) */
  Zero(g->dpool, Cc);
  nn_linear_backward(g->dpool, m->G.img_w, m->G.img_b, g->dgc + 2 * d, a->pool, m->P.img_w, 1, Cc, d);
  {
    const int S = EncoderSide(h, L);
    for (int c = 0; c < Cc; c++)
      for (int p = 0; p < S * S; p++) dout[(size_t)c * S * S + p] = g->dpool[c] / (nnreal)(S * S);
  }
  for (int l = L - 1; l >= 0; l--) { /* dout = d ea[l+1] -> dinp = d(conv output) -> dout = d ea[l] */
    const int    side = EncoderSide(h, l), out = EncoderSide(h, l + 1), cin = l ? Cc : 1;
    const size_t N    = (size_t)Cc * out * out;
    Zero(dinp, N);
    nn_relu_backward(dinp, dout, a->ea[l + 1], N); /* the output stands in for the input */
    Zero(dout, (size_t)cin * side * side);
    PetscCall(nn_conv2d_backward(l ? dout : NULL, m->G.conv_w[l], m->G.conv_b[l], dinp, a->ea[l], m->P.conv_w[l], 1, cin, side, side, Cc, ENC_K, 2, 1));
  }
  PetscFunctionReturn(0);
}

/* dg, dhf -> the encoder's parameters */
static PetscErrorCode EncoderBackward(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    n = (int)in->n, d = (int)h->hidden, H = (int)h->heads, D = d / H;
  const size_t nd = (size_t)n * d, nnz = (size_t)in->nnz;
  Activations *a = &m->act;
  Gradients   *g = &m->grd;

  PetscFunctionBegin;
  nn_graphpool_mean_backward(g->dhf, g->dg, n, d);
  nn_graphpool_max_backward(g->dhf, g->dg + d, m->argmax, n, d);
  Zero(g->dh, nd);
  nn_layernorm_backward(g->dh, m->G.lnf_w, m->G.lnf_b, g->dhf, a->h + h->gat_layers * nd, m->P.lnf_w, a->lnfm, a->lnfr, n, d);
  for (int l = (int)h->gat_layers - 1; l >= 0; l--) { /* dh = d h[l+1]; the residual passes it on unchanged */
    const GATTensors *p = &m->P.gat[l];
    GATTensors       *q = &m->G.gat[l];
    Zero(g->du, nd);
    nn_gelu_backward(g->du, g->dh, a->u + l * nd, nd);
    Zero(g->dx, nd);
    PetscCall(nn_gatv2_backward(g->dx, NULL, q->ws, q->wt, q->we, q->a, q->b, g->du, a->xn + l * nd, in->xedge, p->ws, p->wt, p->we, p->a, a->T + l * nd, a->M + l * nnz * d, a->alpha + l * nnz * H, in->rowptr, in->colind, n, d, GCVAE_EDGE_FEATURES, H, D, (nnreal)NN_GATV2_SLOPE));
    nn_layernorm_backward(g->dh, q->ln_w, q->ln_b, g->dx, a->h + l * nd, p->ln_w, a->lnm + (size_t)l * n, a->lnr + (size_t)l * n, n, d);
  }
  nn_linear_backward(NULL, m->G.in_w, m->G.in_b, g->dh, in->xnode, m->P.in_w, n, GCVAE_NODE_FEATURES, d);
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelBackward(GCVAEModel m, GCVAEInput in, const nnreal dr[], double kl_weight)
{
  const GCVAEModelHeader *h = &m->hdr;

  PetscFunctionBegin;
  PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument m is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument in is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(dr, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument dr is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(m->have_forward && m->last == in && m->last_n == in->n && m->last_nnz == in->nnz && m->last_mnnz == in->mnnz, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "GCVAEModelBackward: call GCVAEModelForward on this input first (the model keeps the activations of the last forward only)");
  PetscCheck(!PetscIsInfOrNanReal(kl_weight), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAEModelBackward: kl_weight %g is not finite", kl_weight);
  PetscCall(BackwardWorkspace(m, in));
  Zero(m->grd.dhf, (size_t)in->n * h->hidden);
  Zero(m->grd.dg, 2 * h->hidden);
  Zero(m->grd.dz, h->latent);
  if (h->decoder == GCVAE_DECODER_GRAPH) GraphDecoderBackward(m, in, dr);
  else PetscCall(CnnDecoderBackward(m, in, dr));
  if (m->last_mode == GCVAE_LATENT_TRAIN) PetscCall(LatentBackward(m, kl_weight));
  PetscCall(EncoderBackward(m, in));
  PetscFunctionReturn(0);
}
