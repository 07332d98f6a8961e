/* Little-endian integers in byte buffers, for the model file (src/modelio.c) and the training
   checkpoint (training/checkpoint.c): one definition of the file formats' byte order. */
#ifndef BYTEORDERIMPL_H
#define BYTEORDERIMPL_H

#include <stdint.h>

static inline void PutU32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline void PutU64(unsigned char *p, uint64_t v)
{
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t GetU32(const unsigned char *p)
{
  uint32_t v = 0;

  for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
  return v;
}

static inline uint64_t GetU64(const unsigned char *p)
{
  uint64_t v = 0;

  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

#endif
