/* Private to the model (src/model.c: architecture, parameters, workspace; modelforward.c;
   modelbackward.c): the parameter and activation views and the shared shape helpers. */
#ifndef GCVAE_MODELIMPL_H
#define GCVAE_MODELIMPL_H
#include "inputimpl.h"
#include "layoutimpl.h" /* MODEL_MAX_LAYERS, GraphDecoderLayout (shared with src/cuda/forward.c) */

#define ENC_K 3 /* inverse encoder: 3x3 convolutions, stride 2, padding 1 */
#define DEC_K 4 /* cnn decoder: 4x4 transposed convolutions, stride 2, padding 1 */

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

/* side b of the cnn decoder's first image: b 2^L >= cnn_n */
static inline int DecoderBase(const GCVAEModelHeader *h)
{
  const int two = 1 << h->cnn_layers;
  return (int)((h->cnn_n + two - 1) / two);
}

/* side of the inverse encoder's image after l convolutions */
static inline int EncoderSide(const GCVAEModelHeader *h, int l)
{
  int side = (int)h->image_size;
  for (int i = 0; i < l; i++) side = nn_conv2d_out_size(side, ENC_K, 2, 1);
  return side;
}

/* elements of the cnn decoder's tensor dy[l] (l = 0: after the first linear layer) */
static inline size_t DecoderSize(const GCVAEModelHeader *h, int l)
{
  const size_t side = (size_t)DecoderBase(h) << l;
  return (l == h->cnn_layers ? 1 : (size_t)h->cnn_channels) * side * side;
}

static inline void Zero(nnreal *x, size_t N)
{
  if (N) memset(x, 0, N * sizeof(*x));
}

/* the workspaces for a forward (and the backward after it) of this input, grown on demand */
PETSC_INTERN PetscErrorCode GCVAEModelForwardWorkspace_Private(GCVAEModel, GCVAEInput);
PETSC_INTERN PetscErrorCode GCVAEModelBackwardWorkspace_Private(GCVAEModel, GCVAEInput);
#endif
