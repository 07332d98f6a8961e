/* The forward of the GCVAE network (src/model.c has the architecture): training forward
   (activations kept for GCVAEModelBackward) and the inference-only forward. */
#include "modelimpl.h"

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
  PetscCall(GCVAEModelForwardWorkspace_Private(m, in));
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

/* ---- inference ------------------------------------------------------------- */

#define INFER_BLOCK       2048            /* mask entries per block of the graph decoder */
#define INFER_KEEP_VALUES (16u << 20)     /* keep a workspace up to this many values (64 MB) */

/* W (OC, C) read as column blocks: Wsub (OC, len) = W[:, off .. off + len), for a layer whose
   input row is a concatenation [.., x_off.., ..] */
static void CopyColumns(nnreal *Wsub, const nnreal *W, int OC, int C, int off, int len)
{
  for (int o = 0; o < OC; o++) memcpy(Wsub + (size_t)o * len, W + (size_t)o * C + off, len * sizeof(*Wsub));
}

/* out (nb, OC) = base + P_i + Q_j (+ Wm^T m_e): the part of a linear layer on [.., y_i, y_j, m_e, ..]
   that comes from per-node products P = y W_i^T, Q = y W_j^T (n, OC) and the mask features
   m_e (MF) with WmT (MF, OC); base (nb, OC) holds the rest (or NULL for the bias c0 alone) */
static void GatherPairs(nnreal *out, const nnreal *base, const nnreal *c0, const nnreal *P, const nnreal *Q, const nnreal *WmT, const nnreal *xmask, const PetscInt *mrow, const PetscInt *mcol, int nb, int OC)
{
  const int MF = GCVAE_MASK_FEATURES;
  for (int b = 0; b < nb; b++) {
    const nnreal *pi = P + (size_t)mrow[b] * OC, *qj = Q + (size_t)mcol[b] * OC, *me = xmask + (size_t)b * MF;
    nnreal       *y  = out + (size_t)b * OC;
    if (base)
      for (int o = 0; o < OC; o++) y[o] = base[(size_t)b * OC + o] + c0[o] + pi[o] + qj[o];
    else
      for (int o = 0; o < OC; o++) y[o] = c0[o] + pi[o] + qj[o];
    for (int f = 0; f < MF; f++) {
      const nnreal mf = me[f], *wf = WmT + (size_t)f * OC;
      if (mf != 0)
        for (int o = 0; o < OC; o++) y[o] += mf * wf[o];
    }
  }
}

/* The forward of a graph decoder, keeping nothing for a backward: one GATv2 layer's buffers
   at a time (edge messages formed per edge, not stored), the edge states updated in place
   (one mnnz x d buffer, K > 0 only), and the edge layers' and the decoder's MLPs over blocks
   of mask entries. The workspace is O(n d + nnz H + mnnz d [K > 0]) against the training
   forward's O(G nnz d + K mnnz (3d + F)) (n 1e5 with edge states: 3.9 GB before). Linear
   layers on [.., y_i, y_j, m_e, ..] are split by their input blocks,
     W [e, y_i, y_j, m] + b = W_e e + (y W_i^T)_i + (y W_j^T)_j + W_m m + b,
   so the y products are formed once per node and an entry pays d dh (W_e e, K > 0) plus 4 dh
   multiply-adds instead of F dh. The same r as GCVAEModelForward to float rounding (the sums
   run in another order). */
static PetscErrorCode InferGraph(GCVAEModel m, GCVAEInput in, const nnreal z[], nnreal r[])
{
  const GCVAEModelHeader *h = &m->hdr;
  const int           n = (int)in->n, d = (int)h->hidden, H = (int)h->heads, D = d / H, G = (int)h->gat_layers, K = (int)h->edge_layers, k = (int)h->latent, dh = (int)h->decoder_hidden;
  const int           MF = GCVAE_MASK_FEATURES, EF = 3 * d + MF, W = PetscMax(d, dh);
  const size_t        nd = (size_t)n * d, nnz = (size_t)in->nnz, mnnz = (size_t)in->mnnz, B = INFER_BLOCK;
  const DecoderLayout x  = GraphDecoderLayout(h);
  nnreal             *hs, *xn, *u, *T, *alpha, *e, *Pi, *Pj, *U1, *U2, *bm, *br, *Wi, *Wj, *We, *WmT, *c0;
  Chunk               c[20];
  int                 nc = 0;

  PetscFunctionBegin;
#define CH(PTR, SIZE) c[nc++] = (Chunk){&(PTR), (size_t)(SIZE)}
  CH(hs, nd);
  CH(xn, nd);
  CH(u, nd);
  CH(T, nd);
  CH(alpha, nnz * H);
  CH(e, K ? mnnz * d : 0);
  CH(Pi, (size_t)n * W);
  CH(Pj, (size_t)n * W);
  CH(U1, B * W); /* block buffers */
  CH(U2, B * W);
  CH(bm, B);
  CH(br, B);
  CH(Wi, (size_t)W * d); /* column blocks of the layer at hand */
  CH(Wj, (size_t)W * d);
  CH(We, (size_t)W * d);
  CH(WmT, (size_t)MF * W);
  CH(c0, W);
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
  if (K) nn_linear_forward(e, in->xmask, m->P.ein_w, m->P.ein_b, (int)mnnz, MF, d);
  for (int l = 0; l < G; l++) { /* h = h + GELU(GATv2(LayerNorm(h))), then edge layer l - (G - K) */
    const GATTensors *p = &m->P.gat[l];
    const int         q = l - (G - K);
    nn_layernorm_forward(xn, u, T, hs, p->ln_w, p->ln_b, n, d); /* mean, rstd in u, T: unused */
    nn_gatv2_forward(u, T, NULL, alpha, xn, in->xedge, p->ws, p->wt, p->we, p->a, p->b, in->rowptr, in->colind, n, d, GCVAE_EDGE_FEATURES, H, D, (nnreal)NN_GATV2_SLOPE);
    nn_gelu_forward(u, u, nd);
    for (size_t i = 0; i < nd; i++) hs[i] += u[i];
    if (q >= 0) { /* e += W2 GELU(W1 [LN(e), y_i, y_j, m] + b1) + b2, y = LN(h); h += Wa sum_row LN(e) + ba */
      const EdgeTensors *t   = &m->P.edge[q];
      nnreal            *agg = xn; /* xn is free until the next layer */
      nn_layernorm_forward(u, Pi, Pj, hs, t->lnn_w, t->lnn_b, n, d); /* y in u (mean, rstd: scratch) */
      CopyColumns(We, t->w1, d, EF, 0, d);
      CopyColumns(Wi, t->w1, d, EF, d, d);
      CopyColumns(Wj, t->w1, d, EF, 2 * d, d);
      for (int o = 0; o < d; o++)
        for (int f = 0; f < MF; f++) WmT[(size_t)f * d + o] = t->w1[(size_t)o * EF + 3 * d + f];
      PetscCall(PetscArraycpy(c0, t->b1, d));
      nn_linear_forward(Pi, u, Wi, NULL, n, d, d);
      nn_linear_forward(Pj, u, Wj, NULL, n, d, d);
      Zero(agg, nd);
      for (size_t e0 = 0; e0 < mnnz; e0 += B) {
        const int nb = (int)(mnnz - e0 < B ? mnnz - e0 : B);
        nnreal   *eb = e + e0 * d;
        nn_layernorm_forward(U2, bm, br, eb, t->lne_w, t->lne_b, nb, d);
        nn_linear_forward(U1, U2, We, NULL, nb, d, d);
        GatherPairs(U1, U1, c0, Pi, Pj, WmT, in->xmask + e0 * MF, in->mrow + e0, in->mcol + e0, nb, d);
        nn_gelu_forward(U1, U1, (size_t)nb * d);
        nn_linear_forward(U2, U1, t->w2, t->b2, nb, d, d);
        for (size_t i = 0; i < (size_t)nb * d; i++) eb[i] += U2[i];
        nn_layernorm_forward(U2, bm, br, eb, t->lna_w, t->lna_b, nb, d);
        for (int b = 0; b < nb; b++) {
          const nnreal *s  = U2 + (size_t)b * d;
          nnreal       *ag = agg + (size_t)in->mrow[e0 + b] * d;
          for (int cc = 0; cc < d; cc++) ag[cc] += s[cc];
        }
      }
      nn_linear_forward(u, agg, t->wa, t->ba, n, d, d);
      for (size_t i = 0; i < nd; i++) hs[i] += u[i];
    }
  }
  nn_layernorm_forward(xn, u, T, hs, m->P.lnf_w, m->P.lnf_b, n, d); /* hf = xn */
  /* the decoder's first layer by its input blocks; c0 = b + W_z z */
  {
    const nnreal *W1 = m->P.dec_w[0]; /* (dh, F) */
    CopyColumns(Wi, W1, dh, x.F, x.oi, d);
    CopyColumns(Wj, W1, dh, x.F, x.oj, d);
    if (K) CopyColumns(We, W1, dh, x.F, x.oe, d);
    for (int o = 0; o < dh; o++) {
      const nnreal *w = W1 + (size_t)o * x.F;
      double        s = m->P.dec_b[0][o];
      for (int f = 0; f < MF; f++) WmT[(size_t)f * dh + o] = w[x.om + f];
      for (int qz = 0; qz < k; qz++) s += (double)w[x.oz + qz] * z[qz];
      c0[o] = (nnreal)s;
    }
  }
  nn_linear_forward(Pi, xn, Wi, NULL, n, d, dh);
  nn_linear_forward(Pj, xn, Wj, NULL, n, d, dh);
  for (size_t e0 = 0; e0 < mnnz; e0 += B) {
    const int nb = (int)(mnnz - e0 < B ? mnnz - e0 : B);
    if (K) { /* W_e LN_final(e) */
      nn_layernorm_forward(U2, bm, br, e + e0 * d, m->P.elnf_w, m->P.elnf_b, nb, d);
      nn_linear_forward(U1, U2, We, NULL, nb, d, dh);
    }
    GatherPairs(U1, K ? U1 : NULL, c0, Pi, Pj, WmT, in->xmask + e0 * MF, in->mrow + e0, in->mcol + e0, nb, dh);
    nn_gelu_forward(U1, U1, (size_t)nb * dh);
    nn_linear_forward(U2, U1, m->P.dec_w[1], m->P.dec_b[1], nb, dh, dh);
    nn_gelu_forward(U2, U2, (size_t)nb * dh);
    nn_linear_forward(r + e0, U2, m->P.dec_w[2], m->P.dec_b[2], nb, dh, 1);
    for (int b = 0; b < nb; b++) r[e0 + b] += (nnreal)(in->mrow[e0 + b] == in->mcol[e0 + b]);
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
  if (m->hdr.decoder != GCVAE_DECODER_GRAPH || m->hdr.latent > 4096) {
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
    PetscCall(InferGraph(m, in, z, r));
  }
  PetscFunctionReturn(0);
}
