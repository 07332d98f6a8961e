/* The GCVAE network (DESIGN.md section 4), assembled from the layers of src/nn/.
   d = hidden, H = heads, k = latent, dh = decoder_hidden, Cc = cnn_channels,
   L = cnn_layers, G = gat_layers, K = edge_layers, xm = mask features (4).

   graph encoder   h0 = x W_in^T + b_in                                  (n, d)
                   h  = h + GELU(GATv2(LayerNorm(h), edge features))    G times (pre-norm)
                   hf = LayerNorm(h)                                     node embeddings
                   g  = [mean_i hf_i, max_i hf_i]                        (2d) graph code
   edge states     (graph decoder, K > 0) on the mask entries (i, j):    e0 = Linear(4 -> d)(xm)
                   after each of the last K GATv2 updates above (pre-norm residuals, each
                   LayerNorm its own):
                     y = LayerNorm(h)                                    (n, d)
                     e = e + Linear(d -> d)(GELU(Linear(3d + 4 -> d)([LN(e), y_i, y_j, xm])))
                     h = h + Linear(d -> d)(sum_{j in mask row i} LN(e_ij))    sum aggregation
                   ef = LayerNorm(e)                                     edge embeddings
   inverse encoder (TRAIN) image (1, P, P) -> L x [conv 3x3 /2, ReLU] -> mean over pixels
                   -> Linear(Cc -> d) = c
   latent          TRAIN [mu, logvar] = Linear(dh -> 2k)(GELU(Linear(3d -> dh)([g, c])))
                   z = mu + exp(logvar / 2) eps; MEAN z = 0; SAMPLE z = eps
   graph decoder   per mask entry (i, j): K = 0 [xm, hf_i, hf_j, z] (4 + 2d + k),
                   K > 0 [ef_ij, hf_i, hf_j, xm, z] (3d + 4 + k)
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

/* One edge layer (EF = 3d + GCVAE_MASK_FEATURES: [LN(e), y_i, y_j, mask features]). */
typedef struct {
  nnreal *lnn_w, *lnn_b; /* (d), (d) node LayerNorm y = LN(h) read by the edges */
  nnreal *lne_w, *lne_b; /* (d), (d) edge pre-norm */
  nnreal *w1, *b1;       /* (d, EF), (d) */
  nnreal *w2, *b2;       /* (d, d), (d) edge update */
  nnreal *lna_w, *lna_b; /* (d), (d) LayerNorm of the edges summed into their row's node */
  nnreal *wa, *ba;       /* (d, d), (d) node update from the summed edges */
} EdgeTensors;

/* Pointers into one of the flat buffers (parameters or gradients). */
typedef struct {
  nnreal     *in_w, *in_b;               /* (d, GCVAE_NODE_FEATURES), (d) */
  GATTensors  gat[MODEL_MAX_LAYERS];     /* [G] */
  nnreal     *lnf_w, *lnf_b;             /* (d), (d) final LayerNorm */
  nnreal     *ein_w, *ein_b;             /* (d, GCVAE_MASK_FEATURES), (d) initial edge state */
  EdgeTensors edge[MODEL_MAX_LAYERS];    /* [K] */
  nnreal     *elnf_w, *elnf_b;           /* (d), (d) final edge LayerNorm */
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
  /* edge states (K edge layers; mn = mask entries, EF = 3d + 4) */
  nnreal *e;                  /* (K + 1, mn, d) edge residual stream */
  nnreal *hm;                 /* (K, n, d) h after the GATv2 update, before the edges' */
  nnreal *y, *ym, *yr;        /* (K, n, d), (K, n), (K, n) LayerNorm(hm) */
  nnreal *en, *enm, *enr;     /* (K, mn, d), (K, mn), (K, mn) LayerNorm(e[k]) */
  nnreal *eX, *eU, *eG;       /* (K, mn, EF) edge MLP input, (K, mn, d) before / after GELU */
  nnreal *an, *anm, *anr;     /* (K, mn, d), (K, mn), (K, mn) LayerNorm(e[k + 1]) */
  nnreal *agg;                /* (K, n, d) sum over each mask row */
  nnreal *ef, *efm, *efr;     /* (mn, d), (mn), (mn) edge embeddings */
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
  nnreal *de, *den, *dG, *dU; /* edge states: (mn, d) x 4 */
  nnreal *deX;                /* (mn, EF) */
  nnreal *dy, *dagg;          /* (n, d) x 2 */
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
  nnreal          *inf;         /* GCVAEModelInfer's workspace (one layer at a time, decoder in blocks) */
  size_t           inf_cap;
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
  PetscCheck(h->edge_layers >= 0 && h->edge_layers <= h->gat_layers, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: edge_layers = %" PetscInt_FMT " must be in [0, gat_layers = %" PetscInt_FMT "]", h->edge_layers, h->gat_layers);
  PetscCheck(h->decoder == GCVAE_DECODER_GRAPH || h->edge_layers == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAE model: edge_layers = %" PetscInt_FMT " must be 0 for the cnn decoder (edge states feed the graph decoder only)", h->edge_layers);
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

/* Where the graph decoder's input row X_e (F values) holds each piece: edge state
   (oe, d values; K > 0 only), hf_i (oi), hf_j (oj), mask features (om), z (oz). */
typedef struct {
  int F, oe, oi, oj, om, oz;
} DecoderLayout;

static DecoderLayout GraphDecoderLayout(const GCVAEModelHeader *h)
{
  const int     d = (int)h->hidden, k = (int)h->latent, MF = GCVAE_MASK_FEATURES;
  DecoderLayout x;

  if (h->edge_layers > 0) x = (DecoderLayout){3 * d + MF + k, 0, d, 2 * d, 3 * d, 3 * d + MF};
  else x = (DecoderLayout){MF + 2 * d + k, -1, MF, MF + d, 0, MF + 2 * d}; /* K = 0: as before edge states */
  return x;
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
  const int d = h->hidden, H = h->heads, k = h->latent, dh = h->decoder_hidden, Cc = h->cnn_channels, L = h->cnn_layers, G = h->gat_layers, K = h->edge_layers;
  const int NF = GCVAE_NODE_FEATURES, EF = GCVAE_EDGE_FEATURES, MF = GCVAE_MASK_FEATURES, F = GraphDecoderLayout(h).F;
  TensorSpec *s;
  int         i = 0;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(16 + 7 * G + 4 * L + 4 + 12 * K, &s));
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
  if (K > 0) { /* edge states; none for K = 0, so that the buffer is the same as without them */
    ADD("enc.edge.in.w", d * MF, ein_w, INIT_UNIFORM, XAVIER(MF, d));
    ADD("enc.edge.in.b", d, ein_b, INIT_ZERO, 0);
    for (int l = 0; l < K; l++) {
      char nm[32];
#define ADDE(SUF, SIZE, PF, INIT, BOUND) \
  do { \
    PetscCall(PetscSNPrintf(nm, sizeof(nm), "enc.edge%d.%s", l, SUF)); \
    ADD(nm, SIZE, PF, INIT, BOUND); \
  } while (0)
      ADDE("lnn.w", d, edge[l].lnn_w, INIT_ONE, 0);
      ADDE("lnn.b", d, edge[l].lnn_b, INIT_ZERO, 0);
      ADDE("lne.w", d, edge[l].lne_w, INIT_ONE, 0);
      ADDE("lne.b", d, edge[l].lne_b, INIT_ZERO, 0);
      ADDE("w1", d * (3 * d + MF), edge[l].w1, INIT_UNIFORM, HE(3 * d + MF));
      ADDE("b1", d, edge[l].b1, INIT_ZERO, 0);
      ADDE("w2", d * d, edge[l].w2, INIT_UNIFORM, XAVIER(d, d));
      ADDE("b2", d, edge[l].b2, INIT_ZERO, 0);
      ADDE("lna.w", d, edge[l].lna_w, INIT_ONE, 0);
      ADDE("lna.b", d, edge[l].lna_b, INIT_ZERO, 0);
      ADDE("wa", d * d, edge[l].wa, INIT_UNIFORM, XAVIER(d, d));
      ADDE("ba", d, edge[l].ba, INIT_ZERO, 0);
#undef ADDE
    }
    ADD("enc.edge.lnf.w", d, elnf_w, INIT_ONE, 0);
    ADD("enc.edge.lnf.b", d, elnf_b, INIT_ZERO, 0);
  }
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
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "Model file %s holds %" PetscInt_FMT " parameters but its architecture (decoder %s, hidden %" PetscInt_FMT ", gat_layers %" PetscInt_FMT ", edge_layers %" PetscInt_FMT ", heads %" PetscInt_FMT ", latent %" PetscInt_FMT ", decoder_hidden %" PetscInt_FMT ", cnn %" PetscInt_FMT " x %" PetscInt_FMT ", cnn_n %" PetscInt_FMT ") needs %" PetscInt_FMT, path, nfile, hdr.decoder == GCVAE_DECODER_CNN ? "cnn" : "graph", hdr.hidden, hdr.gat_layers, hdr.edge_layers, hdr.heads, hdr.latent, hdr.decoder_hidden, hdr.cnn_layers, hdr.cnn_channels, hdr.cnn_n, need);
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
  PetscCall(PetscFree((*model)->inf));
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

#define MAX_CHUNKS (96 + 2 * MODEL_MAX_LAYERS)

static PetscErrorCode ForwardWorkspace(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const size_t n = in->n, nnz = in->nnz, mnnz = in->mnnz, d = h->hidden, H = h->heads, k = h->latent, dh = h->decoder_hidden, G = h->gat_layers, Cc = h->cnn_channels;
  const size_t F = (size_t)GraphDecoderLayout(h).F, K = h->edge_layers, EF = 3 * d + GCVAE_MASK_FEATURES;
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
  CH(a->e, K ? (K + 1) * mnnz * d : 0);
  CH(a->hm, K * n * d);
  CH(a->y, K * n * d);
  CH(a->ym, K * n);
  CH(a->yr, K * n);
  CH(a->en, K * mnnz * d);
  CH(a->enm, K * mnnz);
  CH(a->enr, K * mnnz);
  CH(a->eX, K * mnnz * EF);
  CH(a->eU, K * mnnz * d);
  CH(a->eG, K * mnnz * d);
  CH(a->an, K * mnnz * d);
  CH(a->anm, K * mnnz);
  CH(a->anr, K * mnnz);
  CH(a->agg, K * n * d);
  CH(a->ef, K ? mnnz * d : 0);
  CH(a->efm, K ? mnnz : 0);
  CH(a->efr, K ? mnnz : 0);
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
  const size_t F = (size_t)GraphDecoderLayout(h).F, K = h->edge_layers, EF = 3 * d + GCVAE_MASK_FEATURES;
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
  CH(g->de, K ? mnnz * d : 0);
  CH(g->den, K ? mnnz * d : 0);
  CH(g->dG, K ? mnnz * d : 0);
  CH(g->dU, K ? mnnz * d : 0);
  CH(g->deX, K ? mnnz * EF : 0);
  CH(g->dy, K ? n * d : 0);
  CH(g->dagg, K ? n * d : 0);
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

/* Edge layer k after GATv2 layer l: hm = h[l + 1] as the GATv2 update left it; e[k] -> e[k + 1],
   h[l + 1] = hm + Linear(sum over each mask row of LN(e[k + 1])). */
static void EdgeLayerForward(GCVAEModel m, GCVAEInput in, int k, int l)
{
  const int          n = (int)in->n, d = (int)m->hdr.hidden, mn = (int)in->mnnz, MF = GCVAE_MASK_FEATURES, EF = 3 * d + MF;
  const size_t       nd = (size_t)n * d, md = (size_t)mn * d;
  const EdgeTensors *p  = &m->P.edge[k];
  Activations       *a  = &m->act;
  nnreal *hm = a->hm + k * nd, *y = a->y + k * nd, *ek = a->e + k * md, *en = a->en + k * md, *eX = a->eX + (size_t)k * mn * EF;
  nnreal *eU = a->eU + k * md, *eG = a->eG + k * md, *e1 = a->e + (k + 1) * md, *an = a->an + k * md, *agg = a->agg + k * nd;
  nnreal *hn = a->h + (size_t)(l + 1) * nd;

  nn_layernorm_forward(y, a->ym + (size_t)k * n, a->yr + (size_t)k * n, hm, p->lnn_w, p->lnn_b, n, d);
  nn_layernorm_forward(en, a->enm + (size_t)k * mn, a->enr + (size_t)k * mn, ek, p->lne_w, p->lne_b, mn, d);
  for (PetscInt q = 0; q < in->mnnz; q++) { /* eX_q = [LN(e)_q, y_i, y_j, mask features] */
    nnreal *x = eX + (size_t)q * EF;
    memcpy(x, en + (size_t)q * d, d * sizeof(*x));
    memcpy(x + d, y + (size_t)in->mrow[q] * d, d * sizeof(*x));
    memcpy(x + 2 * d, y + (size_t)in->mcol[q] * d, d * sizeof(*x));
    memcpy(x + 3 * d, in->xmask + (size_t)q * MF, MF * sizeof(*x));
  }
  nn_linear_forward(eU, eX, p->w1, p->b1, mn, EF, d);
  nn_gelu_forward(eG, eU, md);
  nn_linear_forward(e1, eG, p->w2, p->b2, mn, d, d);
  for (size_t i = 0; i < md; i++) e1[i] += ek[i];
  nn_layernorm_forward(an, a->anm + (size_t)k * mn, a->anr + (size_t)k * mn, e1, p->lna_w, p->lna_b, mn, d);
  Zero(agg, nd);
  for (PetscInt q = 0; q < in->mnnz; q++) {
    const nnreal *s = an + (size_t)q * d;
    nnreal       *t = agg + (size_t)in->mrow[q] * d;
    for (int c = 0; c < d; c++) t[c] += s[c];
  }
  nn_linear_forward(hn, agg, p->wa, p->ba, n, d, d);
  for (size_t i = 0; i < nd; i++) hn[i] += hm[i];
}

static PetscErrorCode EncoderForward(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    n = (int)in->n, d = (int)h->hidden, H = (int)h->heads, D = d / H, G = (int)h->gat_layers, K = (int)h->edge_layers;
  const size_t nd = (size_t)n * d, nnz = (size_t)in->nnz, md = (size_t)in->mnnz * d;
  Activations *a  = &m->act;

  PetscFunctionBegin;
  nn_linear_forward(a->h, in->xnode, m->P.in_w, m->P.in_b, n, GCVAE_NODE_FEATURES, d);
  if (K) nn_linear_forward(a->e, in->xmask, m->P.ein_w, m->P.ein_b, (int)in->mnnz, GCVAE_MASK_FEATURES, d);
  for (int l = 0; l < G; l++) {
    const GATTensors *p  = &m->P.gat[l];
    const int         k  = l - (G - K); /* edge layer after this one when k >= 0 */
    const nnreal     *hl = a->h + l * nd;
    nnreal           *hn = k >= 0 ? a->hm + k * nd : a->h + (l + 1) * nd, *xn = a->xn + l * nd, *u = a->u + l * nd;
    nn_layernorm_forward(xn, a->lnm + (size_t)l * n, a->lnr + (size_t)l * n, hl, p->ln_w, p->ln_b, n, d);
    nn_gatv2_forward(u, a->T + l * nd, a->M + l * nnz * d, a->alpha + l * nnz * H, xn, in->xedge, p->ws, p->wt, p->we, p->a, p->b, in->rowptr, in->colind, n, d, GCVAE_EDGE_FEATURES, H, D, (nnreal)NN_GATV2_SLOPE);
    nn_gelu_forward(hn, u, nd);
    for (size_t i = 0; i < nd; i++) hn[i] += hl[i];
    if (k >= 0) EdgeLayerForward(m, in, k, l);
  }
  nn_layernorm_forward(a->hf, a->lnfm, a->lnfr, a->h + h->gat_layers * nd, m->P.lnf_w, m->P.lnf_b, n, d);
  if (K) nn_layernorm_forward(a->ef, a->efm, a->efr, a->e + K * md, m->P.elnf_w, m->P.elnf_b, (int)in->mnnz, d);
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
  const int           d = (int)h->hidden, k = (int)h->latent, dh = (int)h->decoder_hidden, mn = (int)in->mnnz;
  const DecoderLayout x = GraphDecoderLayout(h);
  Activations        *a = &m->act;

  PetscFunctionBegin;
  for (PetscInt e = 0; e < in->mnnz; e++) { /* X_e = [edge state,] hf_i, hf_j, mask features, z in x's places */
    nnreal *X = a->X + (size_t)e * x.F;
    if (x.oe >= 0) PetscCall(PetscArraycpy(X + x.oe, a->ef + (size_t)e * d, d));
    PetscCall(PetscArraycpy(X + x.oi, a->hf + (size_t)in->mrow[e] * d, d));
    PetscCall(PetscArraycpy(X + x.oj, a->hf + (size_t)in->mcol[e] * d, d));
    PetscCall(PetscArraycpy(X + x.om, in->xmask + (size_t)e * GCVAE_MASK_FEATURES, GCVAE_MASK_FEATURES));
    PetscCall(PetscArraycpy(X + x.oz, a->z, k));
  }
  nn_linear_forward(a->Y1, a->X, m->P.dec_w[0], m->P.dec_b[0], mn, x.F, dh);
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

/* dr -> dhf (node embeddings), de (edge states e[K], K > 0) and dz */
static void GraphDecoderBackward(GCVAEModel m, GCVAEInput in, const nnreal dr[])
{
  const GCVAEModelHeader *h = &m->hdr;
  const int           d = (int)h->hidden, k = (int)h->latent, dh = (int)h->decoder_hidden, mn = (int)in->mnnz, K = (int)h->edge_layers;
  const DecoderLayout x = GraphDecoderLayout(h);
  const size_t        N = (size_t)mn * dh;
  Activations        *a = &m->act;
  Gradients          *g = &m->grd;

  Zero(g->dA, N);
  nn_linear_backward(g->dA, m->G.dec_w[2], m->G.dec_b[2], dr, a->G2, m->P.dec_w[2], mn, dh, 1);
  Zero(g->dB, N);
  nn_gelu_backward(g->dB, g->dA, a->Y2, N);
  Zero(g->dA, N);
  nn_linear_backward(g->dA, m->G.dec_w[1], m->G.dec_b[1], g->dB, a->G1, m->P.dec_w[1], mn, dh, dh);
  Zero(g->dB, N);
  nn_gelu_backward(g->dB, g->dA, a->Y1, N);
  Zero(g->dX, (size_t)mn * x.F);
  nn_linear_backward(g->dX, m->G.dec_w[0], m->G.dec_b[0], g->dB, a->X, m->P.dec_w[0], mn, x.F, dh);
  for (PetscInt e = 0; e < in->mnnz; e++) { /* scatter to the two nodes, the edge and the latent */
    const nnreal *dx = g->dX + (size_t)e * x.F;
    nnreal       *di = g->dhf + (size_t)in->mrow[e] * d, *dj = g->dhf + (size_t)in->mcol[e] * d;
    for (int c = 0; c < d; c++) {
      di[c] += dx[x.oi + c];
      dj[c] += dx[x.oj + c];
    }
    if (K) memcpy(g->den + (size_t)e * d, dx + x.oe, d * sizeof(*dx));
    for (int c = 0; c < k; c++) g->dz[c] += dx[x.oz + c];
  }
  if (K) {
    Zero(g->de, (size_t)mn * d);
    nn_layernorm_backward(g->de, m->G.elnf_w, m->G.elnf_b, g->den, a->e + (size_t)K * mn * d, m->P.elnf_w, a->efm, a->efr, mn, d);
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

/* Edge layer k (after GATv2 layer l), backward: dh = d h[l + 1] -> d hm, de = d e[k + 1] -> d e[k]
   (both in place; the residuals pass them on unchanged). */
static void EdgeLayerBackward(GCVAEModel m, GCVAEInput in, int k)
{
  const int          n = (int)in->n, d = (int)m->hdr.hidden, mn = (int)in->mnnz, EF = 3 * d + GCVAE_MASK_FEATURES;
  const size_t       nd = (size_t)n * d, md = (size_t)mn * d;
  const EdgeTensors *p = &m->P.edge[k];
  EdgeTensors       *q = &m->G.edge[k];
  Activations       *a = &m->act;
  Gradients         *g = &m->grd;

  /* h[l + 1] = hm + agg Wa^T + ba, agg_i = sum_row LN(e[k + 1]) */
  Zero(g->dagg, nd);
  nn_linear_backward(g->dagg, q->wa, q->ba, g->dh, a->agg + k * nd, p->wa, n, d, d);
  for (PetscInt e = 0; e < in->mnnz; e++) memcpy(g->den + (size_t)e * d, g->dagg + (size_t)in->mrow[e] * d, d * sizeof(nnreal));
  nn_layernorm_backward(g->de, q->lna_w, q->lna_b, g->den, a->e + (k + 1) * md, p->lna_w, a->anm + (size_t)k * mn, a->anr + (size_t)k * mn, mn, d);
  /* e[k + 1] = e[k] + GELU(eX W1^T + b1) W2^T + b2 */
  Zero(g->dG, md);
  nn_linear_backward(g->dG, q->w2, q->b2, g->de, a->eG + k * md, p->w2, mn, d, d);
  Zero(g->dU, md);
  nn_gelu_backward(g->dU, g->dG, a->eU + k * md, md);
  Zero(g->deX, (size_t)mn * EF);
  nn_linear_backward(g->deX, q->w1, q->b1, g->dU, a->eX + (size_t)k * mn * EF, p->w1, mn, EF, d);
  /* eX = [LN(e[k]), y_i, y_j, mask features] */
  Zero(g->dy, nd);
  for (PetscInt e = 0; e < in->mnnz; e++) {
    const nnreal *dx = g->deX + (size_t)e * EF;
    nnreal       *di = g->dy + (size_t)in->mrow[e] * d, *dj = g->dy + (size_t)in->mcol[e] * d;
    memcpy(g->den + (size_t)e * d, dx, d * sizeof(*dx));
    for (int c = 0; c < d; c++) {
      di[c] += dx[d + c];
      dj[c] += dx[2 * d + c];
    }
  }
  nn_layernorm_backward(g->de, q->lne_w, q->lne_b, g->den, a->e + k * md, p->lne_w, a->enm + (size_t)k * mn, a->enr + (size_t)k * mn, mn, d);
  nn_layernorm_backward(g->dh, q->lnn_w, q->lnn_b, g->dy, a->hm + k * nd, p->lnn_w, a->ym + (size_t)k * n, a->yr + (size_t)k * n, n, d);
}

/* dg, dhf, de -> the encoder's parameters */
static PetscErrorCode EncoderBackward(GCVAEModel m, GCVAEInput in)
{
  const GCVAEModelHeader *h = &m->hdr;
  const int    n = (int)in->n, d = (int)h->hidden, H = (int)h->heads, D = d / H, G = (int)h->gat_layers, K = (int)h->edge_layers;
  const size_t nd = (size_t)n * d, nnz = (size_t)in->nnz;
  Activations *a = &m->act;
  Gradients   *g = &m->grd;

  PetscFunctionBegin;
  nn_graphpool_mean_backward(g->dhf, g->dg, n, d);
  nn_graphpool_max_backward(g->dhf, g->dg + d, m->argmax, n, d);
  Zero(g->dh, nd);
  nn_layernorm_backward(g->dh, m->G.lnf_w, m->G.lnf_b, g->dhf, a->h + h->gat_layers * nd, m->P.lnf_w, a->lnfm, a->lnfr, n, d);
  for (int l = G - 1; l >= 0; l--) { /* dh = d h[l+1]; the residual passes it on unchanged */
    const GATTensors *p = &m->P.gat[l];
    GATTensors       *q = &m->G.gat[l];
    const int         k = l - (G - K);
    if (k >= 0) EdgeLayerBackward(m, in, k); /* dh = d hm now */
    Zero(g->du, nd);
    nn_gelu_backward(g->du, g->dh, a->u + l * nd, nd);
    Zero(g->dx, nd);
    PetscCall(nn_gatv2_backward(g->dx, NULL, q->ws, q->wt, q->we, q->a, q->b, g->du, a->xn + l * nd, in->xedge, p->ws, p->wt, p->we, p->a, a->T + l * nd, a->M + l * nnz * d, a->alpha + l * nnz * H, in->rowptr, in->colind, n, d, GCVAE_EDGE_FEATURES, H, D, (nnreal)NN_GATV2_SLOPE));
    nn_layernorm_backward(g->dh, q->ln_w, q->ln_b, g->dx, a->h + l * nd, p->ln_w, a->lnm + (size_t)l * n, a->lnr + (size_t)l * n, n, d);
  }
  nn_linear_backward(NULL, m->G.in_w, m->G.in_b, g->dh, in->xnode, m->P.in_w, n, GCVAE_NODE_FEATURES, d);
  if (K) nn_linear_backward(NULL, m->G.ein_w, m->G.ein_b, g->de, in->xmask, m->P.ein_w, (int)in->mnnz, GCVAE_MASK_FEATURES, d);
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

/* ---- inference ------------------------------------------------------------- */

#define INFER_BLOCK       2048            /* mask entries per block of the graph decoder */
#define INFER_KEEP_VALUES (16u << 20)     /* keep a workspace up to this many values (64 MB) */

/* The forward of a graph decoder without edge states, keeping nothing for a backward: one
   GATv2 layer's buffers at a time and the decoder MLP over blocks of mask entries, so the
   workspace is O(n d + nnz d) instead of O(G nnz d + mnnz F), and untouched (unzeroed)
   memory is not paid for. Same kernels, same order of operations: the same r as the forward. */
static PetscErrorCode InferGraphK0(GCVAEModel m, GCVAEInput in, const nnreal z[], nnreal r[])
{
  const GCVAEModelHeader *h = &m->hdr;
  const int           n = (int)in->n, d = (int)h->hidden, H = (int)h->heads, D = d / H, G = (int)h->gat_layers, k = (int)h->latent, dh = (int)h->decoder_hidden;
  const size_t        nd = (size_t)n * d, nnz = (size_t)in->nnz, B = INFER_BLOCK;
  const DecoderLayout x  = GraphDecoderLayout(h);
  nnreal             *hs, *xn, *u, *T, *M, *alpha, *X, *Y1, *Y2;
  Chunk               c[9];
  int                 nc = 0;

  PetscFunctionBegin;
#define CH(PTR, SIZE) c[nc++] = (Chunk){&(PTR), (size_t)(SIZE)}
  CH(hs, nd);
  CH(xn, nd);
  CH(u, nd);
  CH(T, nd);
  CH(M, nnz * d);
  CH(alpha, nnz * H);
  CH(X, 2 * B * x.F);
  CH(Y1, 2 * B * dh);
  CH(Y2, 2 * B * dh);
#undef CH
  {
    size_t total = 0, off = 0;
    for (int i = 0; i < nc; i++) total += c[i].size;
    if (total > m->inf_cap || !m->inf) {
      PetscCall(PetscFree(m->inf));
      PetscCall(PetscMalloc1(total, &m->inf)); /* every value is written before it is read */
      m->inf_cap = total;
    }
    for (int i = 0; i < nc; i++) {
      *c[i].slot = m->inf + off;
      off += c[i].size;
    }
  }
  nn_linear_forward(hs, in->xnode, m->P.in_w, m->P.in_b, n, GCVAE_NODE_FEATURES, d);
  for (int l = 0; l < G; l++) { /* h = h + GELU(GATv2(LayerNorm(h))) */
    const GATTensors *p = &m->P.gat[l];
    nn_layernorm_forward(xn, u, T, hs, p->ln_w, p->ln_b, n, d); /* mean, rstd in u, T: unused */
    nn_gatv2_forward(u, T, M, alpha, xn, in->xedge, p->ws, p->wt, p->we, p->a, p->b, in->rowptr, in->colind, n, d, GCVAE_EDGE_FEATURES, H, D, (nnreal)NN_GATV2_SLOPE);
    nn_gelu_forward(u, u, nd);
    for (size_t i = 0; i < nd; i++) hs[i] += u[i];
  }
  nn_layernorm_forward(xn, u, T, hs, m->P.lnf_w, m->P.lnf_b, n, d); /* hf = xn */
  for (size_t e0 = 0; e0 < (size_t)in->mnnz; e0 += B) {
    /* the last block takes the remainder (B to 2B - 1 entries): OpenBLAS runs small products
       through other kernels, whose rounding differs from the one-call forward's */
    const int nb = (int)((size_t)in->mnnz - e0 < 2 * B ? (size_t)in->mnnz - e0 : B);
    for (int b = 0; b < nb; b++) { /* X_e = [mask features, hf_i, hf_j, z] */
      const size_t e  = e0 + b;
      nnreal      *Xe = X + (size_t)b * x.F;
      memcpy(Xe + x.oi, xn + (size_t)in->mrow[e] * d, d * sizeof(*Xe));
      memcpy(Xe + x.oj, xn + (size_t)in->mcol[e] * d, d * sizeof(*Xe));
      memcpy(Xe + x.om, in->xmask + e * GCVAE_MASK_FEATURES, GCVAE_MASK_FEATURES * sizeof(*Xe));
      memcpy(Xe + x.oz, z, k * sizeof(*Xe));
    }
    nn_linear_forward(Y1, X, m->P.dec_w[0], m->P.dec_b[0], nb, x.F, dh);
    nn_gelu_forward(Y1, Y1, (size_t)nb * dh);
    nn_linear_forward(Y2, Y1, m->P.dec_w[1], m->P.dec_b[1], nb, dh, dh);
    nn_gelu_forward(Y2, Y2, (size_t)nb * dh);
    nn_linear_forward(r + e0, Y2, m->P.dec_w[2], m->P.dec_b[2], nb, dh, 1);
    for (int b = 0; b < nb; b++) r[e0 + b] += (nnreal)(in->mrow[e0 + b] == in->mcol[e0 + b]);
    if (nb > (int)B) break;
  }
  if (m->inf_cap > INFER_KEEP_VALUES) { /* a large matrix's workspace is not held between calls */
    PetscCall(PetscFree(m->inf));
    m->inf_cap = 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelInfer(GCVAEModel m, GCVAEInput in, GCVAELatentMode mode, const nnreal eps[], nnreal r[])
{
  PetscFunctionBegin;
  PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument m is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument in is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(r, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument r is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(mode == GCVAE_LATENT_MEAN || mode == GCVAE_LATENT_SAMPLE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "GCVAEModelInfer: latent mode %d must be mean or sample", (int)mode);
  PetscCheck(mode == GCVAE_LATENT_MEAN || eps, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GCVAEModelInfer: latent mode sample needs eps (%" PetscInt_FMT " values)", m->hdr.latent);
  if (m->hdr.decoder != GCVAE_DECODER_GRAPH || m->hdr.edge_layers > 0 || m->hdr.latent > 4096) {
    PetscCall(GCVAEModelForward(m, in, mode, eps, r, NULL));
    if (m->fwd_cap > INFER_KEEP_VALUES) { /* as below: no large workspace is held after inference */
      PetscCall(PetscFree(m->fwd));
      m->fwd_cap      = 0;
      m->have_forward = PETSC_FALSE;
    }
    PetscFunctionReturn(0);
  }
  {
    nnreal z[4096] = {0};
    if (mode == GCVAE_LATENT_SAMPLE) memcpy(z, eps, (size_t)m->hdr.latent * sizeof(*z));
    m->have_forward = PETSC_FALSE; /* the activations of an earlier forward are not this input's */
    PetscCall(InferGraphK0(m, in, z, r));
  }
  PetscFunctionReturn(0);
}
