/* The GCVAE network (doc/design.md section 7), assembled from the layers of src/nn/.
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
#include "modelimpl.h"

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

PetscErrorCode GCVAEModelCreateFromParams(MPI_Comm comm, const char name[], const GCVAEModelHeader *hdr, const float params[], GCVAEModel *model)
{
  GCVAEModel m;

  PetscFunctionBegin;
  PetscCheck(name && hdr && params && model, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: NULL argument", PETSC_FUNCTION_NAME);
  PetscCall(ModelAllocate(hdr, &m));
  if (hdr->nparams != m->hdr.nparams) {
    const PetscInt need = m->hdr.nparams;
    PetscCall(GCVAEModelDestroy(&m));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "Model file %s holds %" PetscInt_FMT " parameters but its architecture (decoder %s, hidden %" PetscInt_FMT ", gat_layers %" PetscInt_FMT ", edge_layers %" PetscInt_FMT ", heads %" PetscInt_FMT ", latent %" PetscInt_FMT ", decoder_hidden %" PetscInt_FMT ", cnn %" PetscInt_FMT " x %" PetscInt_FMT ", cnn_n %" PetscInt_FMT ") needs %" PetscInt_FMT, name, hdr->nparams, hdr->decoder == GCVAE_DECODER_CNN ? "cnn" : "graph", hdr->hidden, hdr->gat_layers, hdr->edge_layers, hdr->heads, hdr->latent, hdr->decoder_hidden, hdr->cnn_layers, hdr->cnn_channels, hdr->cnn_n, need);
  }
  for (size_t i = 0; i < m->buf.count; i++) m->buf.params[i] = (nnreal)params[i];
  *model = m;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelLoad(MPI_Comm comm, const char path[], GCVAEModel *model)
{
  GCVAEModelHeader hdr;
  float           *params;
  PetscErrorCode   ierr;

  PetscFunctionBegin;
  PetscCheck(path, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument path is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(model, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument model is NULL", PETSC_FUNCTION_NAME);
  PetscCall(GCVAEModelRead(comm, path, &hdr, &params));
  ierr = GCVAEModelCreateFromParams(comm, path, &hdr, params, model);
  PetscCall(PetscFree(params)); /* also when the architecture does not match */
  PetscCall(ierr);
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

#define MAX_CHUNKS (96 + 2 * MODEL_MAX_LAYERS)

PetscErrorCode GCVAEModelForwardWorkspace_Private(GCVAEModel m, GCVAEInput in)
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

PetscErrorCode GCVAEModelBackwardWorkspace_Private(GCVAEModel m, GCVAEInput in)
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
