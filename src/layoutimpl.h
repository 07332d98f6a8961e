/* Private: the shapes the CPU model (src/model*.c, through modelimpl.h) and the CUDA forward
   (src/cuda/forward.c) must agree on. A header of its own so that the CUDA code gets them
   without the CPU model's workspace structures. */
#ifndef GCVAE_LAYOUTIMPL_H
#define GCVAE_LAYOUTIMPL_H
#include <gcvae_model.h>

#define MODEL_MAX_LAYERS 16 /* gat_layers, cnn_layers (src/model.c checks the header against it) */

/* Where the graph decoder's input row X_e (F values) holds each piece: edge state
   (oe, d values; K > 0 only), hf_i (oi), hf_j (oj), mask features (om), z (oz). */
typedef struct {
  int F, oe, oi, oj, om, oz;
} DecoderLayout;

static inline DecoderLayout GraphDecoderLayout(const GCVAEModelHeader *h)
{
  const int     d = (int)h->hidden, k = (int)h->latent, MF = GCVAE_MASK_FEATURES;
  DecoderLayout x;

  if (h->edge_layers > 0) x = (DecoderLayout){3 * d + MF + k, 0, d, 2 * d, 3 * d, 3 * d + MF};
  else x = (DecoderLayout){MF + 2 * d + k, -1, MF, MF + d, 0, MF + 2 * d}; /* K = 0: as before edge states */
  return x;
}
#endif
