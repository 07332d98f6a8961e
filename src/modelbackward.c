/* The backward of the GCVAE network: gradients of the last GCVAEModelForward's output
   into the model's gradient buffer (src/model.c has the architecture). */
#include "modelimpl.h"

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
  PetscCall(GCVAEModelBackwardWorkspace_Private(m, in));
  Zero(m->grd.dhf, (size_t)in->n * h->hidden);
  Zero(m->grd.dg, 2 * h->hidden);
  Zero(m->grd.dz, h->latent);
  if (h->decoder == GCVAE_DECODER_GRAPH) GraphDecoderBackward(m, in, dr);
  else PetscCall(CnnDecoderBackward(m, in, dr));
  if (m->last_mode == GCVAE_LATENT_TRAIN) PetscCall(LatentBackward(m, kl_weight));
  PetscCall(EncoderBackward(m, in));
  PetscFunctionReturn(0);
}
