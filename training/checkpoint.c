/* gcvae-train's checkpoint: one file, so that no kill can separate the model from its
   optimizer state (the earlier pair <o>.ckpt + <o>.ckpt.state could be left at different
   epochs by a kill between the two renames, and -resume then refused it).

   Layout (little-endian, checkpoint format version 2):
     0    magic "GCVAECK\0"                          8 bytes
     8    format version                              uint32
     12   endianness marker 0x01020304                uint32
     16   epochs finished                             int64
     24   AdamW steps taken                           int64
     32   seed (shuffling, latent noise)              int64
     40   nparams                                     int64
     48   length L of the model image                 uint64
     56   the model image: a complete model file      L bytes (GCVAEModelWriteStream)
     ...  AdamW first and second moments              float32 [nparams] each
     ...  length D of the dataset list                uint32   (version 2)
     ...  the dataset list, "path\tidentity\n" each   D bytes  (version 2; trainset.c)
     end  CRC-32 (zlib) of all preceding bytes        uint32
   The dataset list lets -resume refuse a run on other datasets: the shuffle permutes their
   union, so the same epoch and seed on other data would silently continue another run.
   Version 1 (no list) is still read; its datasets cannot be checked.
   The model image keeps its own header and CRC, so a checkpoint's model is checked exactly
   like a model file. Moments are float32 like the parameters: the build's nnreal. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "../src/byteorderimpl.h"
#include "checkpoint.h"

#define CKPT_MAGIC     "GCVAECK" /* with its NUL: 8 bytes */
#define CKPT_VERSION   2
#define CKPT_MARK      0x01020304u
#define CKPT_PREFIX    56

/* zlib's crc32 takes a uInt length: feed large buffers in pieces */
static uint32_t Crc(const unsigned char *p, size_t n)
{
  uLong crc = crc32(0L, Z_NULL, 0);

  while (n) {
    uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;

    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return (uint32_t)crc;
}

/* The whole checkpoint in memory (*buf malloc'ed by open_memstream; free() it). */
static PetscErrorCode Encode(const char path[], GCVAEModel model, PetscInt epoch, PetscInt seed, const char datasets[], unsigned char **buf, size_t *len)
{
  GCVAEModelHeader *mh;
  NNParamBuffer    *P;
  unsigned char     prefix[CKPT_PREFIX], b4[4];
  float            *params;
  char             *mem = NULL;
  size_t            mlen, memlen = 0, dlen = strlen(datasets);
  FILE             *f;
  int               bad = 0;

  PetscFunctionBegin;
  PetscCall(GCVAEModelGetHeader(model, &mh));
  PetscCall(GCVAEModelGetParams(model, &P));
  mh->nparams = (PetscInt)P->count;
  memset(prefix, 0, sizeof(prefix));
  memcpy(prefix, CKPT_MAGIC, sizeof(CKPT_MAGIC));
  PutU32(prefix + 8, CKPT_VERSION);
  PutU32(prefix + 12, CKPT_MARK);
  PutU64(prefix + 16, (uint64_t)(int64_t)epoch);
  PutU64(prefix + 24, (uint64_t)(int64_t)P->step);
  PutU64(prefix + 32, (uint64_t)(int64_t)seed);
  PutU64(prefix + 40, (uint64_t)P->count);
  f = open_memstream(&mem, &memlen);
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot write the checkpoint %s: no memory for its image", path);
  bad = fwrite(prefix, 1, sizeof(prefix), f) != sizeof(prefix);
  PetscCall(PetscMalloc1(P->count, &params));
  for (size_t i = 0; i < P->count; i++) params[i] = (float)P->params[i];
  PetscCall(GCVAEModelWriteStream(f, path, mh, params, &mlen));
  PetscCall(PetscFree(params));
  for (int which = 0; which < 2; which++) {
    const nnreal *x = which ? P->v : P->m;

    for (size_t i = 0; i < P->count && !bad; i++) {
      float    xf = (float)x[i];
      uint32_t u;

      memcpy(&u, &xf, 4);
      PutU32(b4, u);
      bad = fwrite(b4, 1, 4, f) != 4;
    }
  }
  PutU32(b4, (uint32_t)dlen);
  if (!bad) bad = fwrite(b4, 1, 4, f) != 4 || fwrite(datasets, 1, dlen, f) != dlen;
  bad = fclose(f) || bad;
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot write the checkpoint %s: no memory for its image", path);
  PetscCheck(memlen == CKPT_PREFIX + mlen + 8 * P->count + 4 + dlen, PETSC_COMM_SELF, PETSC_ERR_PLIB, "checkpoint %s: image of %zu bytes, expected %zu", path, memlen, CKPT_PREFIX + mlen + 8 * P->count + 4 + dlen);
  PutU64((unsigned char *)mem + 48, (uint64_t)mlen);
  mem = realloc(mem, memlen + 4);
  PetscCheck(mem, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot write the checkpoint %s: no memory for its image", path);
  PutU32((unsigned char *)mem + memlen, Crc((unsigned char *)mem, memlen));
  *buf = (unsigned char *)mem;
  *len = memlen + 4;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECheckpointWrite(const char path[], GCVAEModel model, PetscInt epoch, PetscInt seed, const char datasets[])
{
  char           tmp[PETSC_MAX_PATH_LEN];
  unsigned char *buf = NULL;
  size_t         len = 0, half;
  FILE          *f;
  int            err = 0;
  const char    *step = "writing";

  PetscFunctionBegin;
  PetscCheck(strlen(datasets) <= UINT32_MAX, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "checkpoint %s: the dataset list is too long", path);
  PetscCall(Encode(path, model, epoch, seed, datasets, &buf, &len));
  PetscCall(GCVAETempName(path, tmp, sizeof(tmp)));
  f = fopen(tmp, "wb");
  if (!f) {
    err = errno;
    free(buf);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write the checkpoint %s: cannot create %s: %s", path, tmp, strerror(err));
  }
  /* in two halves, so that the test hook can stop the run with a partial temporary */
  half = len / 2;
  if (fwrite(buf, 1, half, f) != half || fflush(f)) err = errno ? errno : EIO;
  if (!err) PetscCall(GCVAETestKillPoint("ckpt_partial", epoch));
  if (!err && (fwrite(buf + half, 1, len - half, f) != len - half || fflush(f) || fsync(fileno(f)))) err = errno ? errno : EIO;
  free(buf);
  if (fclose(f) && !err) err = errno ? errno : EIO;
  if (!err) PetscCall(GCVAETestHold());
  if (!err && rename(tmp, path)) {
    err  = errno;
    step = "renaming";
  }
  if (err) (void)remove(tmp);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the checkpoint %s: %s %s: %s", path, step, tmp, strerror(err));
  PetscCall(GCVAESyncDirectory(path));
  PetscCall(GCVAETestKillPoint("ckpt_written", epoch));
  PetscFunctionReturn(0);
}

/* The moments, the step and the model from a checked image (buf, len). */
static PetscErrorCode Decode(const char path[], const unsigned char *buf, size_t len, GCVAEModel *model, PetscInt *epoch, PetscInt *seed, char **datasets)
{
  GCVAEModelHeader hdr;
  NNParamBuffer   *P;
  float           *params;
  FILE            *f;
  uint64_t         n, mlen, dlen = 0, tail = 4; /* tail: bytes after the moments */
  uint32_t         version = GetU32(buf + 8);
  int64_t          ep, step, sd;
  PetscErrorCode   ierr;

  PetscFunctionBegin;
  PetscCheck(GetU32(buf + 12) == CKPT_MARK, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s: endianness marker 0x%08x is not 0x01020304", path, (unsigned)GetU32(buf + 12));
  PetscCheck(version == 1 || version == CKPT_VERSION, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s: format version %u, this build reads 1 and %d", path, (unsigned)version, CKPT_VERSION);
  ep   = (int64_t)GetU64(buf + 16);
  step = (int64_t)GetU64(buf + 24);
  sd   = (int64_t)GetU64(buf + 32);
  n    = GetU64(buf + 40);
  mlen = GetU64(buf + 48);
  PetscCheck(ep > 0 && ep <= PETSC_MAX_INT && step >= 0 && step <= INT32_MAX && sd >= 0 && sd <= PETSC_MAX_INT && n > 0 && n <= INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s: epoch %lld, step %lld, seed %lld or nparams %llu out of range", path, (long long)ep, (long long)step, (long long)sd, (unsigned long long)n);
  if (version >= 2) {
    PetscCheck(mlen < len && CKPT_PREFIX + mlen + 8 * n + 8 <= len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s: %zu bytes, but a model image of %llu bytes and %llu parameters need more", path, len, (unsigned long long)mlen, (unsigned long long)n);
    dlen = GetU32(buf + CKPT_PREFIX + mlen + 8 * n);
    tail = 8 + dlen;
  }
  PetscCheck(mlen < len && len == CKPT_PREFIX + mlen + 8 * n + tail, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s: %zu bytes, but a model image of %llu bytes, %llu parameters and a dataset list of %llu bytes need %llu", path, len, (unsigned long long)mlen, (unsigned long long)n, (unsigned long long)dlen, (unsigned long long)(CKPT_PREFIX + mlen + 8 * n + tail));
  f = fmemopen((void *)(buf + CKPT_PREFIX), (size_t)mlen, "rb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_MEM, "-resume: checkpoint %s: cannot open its model image in memory", path);
  ierr = GCVAEModelReadStream(f, path, (size_t)mlen, &hdr, &params);
  (void)fclose(f);
  PetscCall(ierr);
  if (hdr.nparams != (PetscInt)n || hdr.epochs != (PetscInt)ep) {
    PetscCall(PetscFree(params));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s is inconsistent: its model has %" PetscInt_FMT " parameters after %" PetscInt_FMT " epochs, its AdamW state %llu parameters after %lld epochs", path, hdr.nparams, hdr.epochs, (unsigned long long)n, (long long)ep);
  }
  ierr = GCVAEModelCreateFromParams(PETSC_COMM_SELF, path, &hdr, params, model);
  PetscCall(PetscFree(params));
  PetscCall(ierr);
  PetscCall(GCVAEModelGetParams(*model, &P));
  for (int which = 0; which < 2; which++) {
    const unsigned char *p = buf + CKPT_PREFIX + mlen + 4 * n * (uint64_t)which;
    nnreal              *x = which ? P->v : P->m;

    for (size_t i = 0; i < P->count; i++) {
      uint32_t u = GetU32(p + 4 * i);
      float    xf;

      memcpy(&xf, &u, 4);
      x[i] = (nnreal)xf;
    }
  }
  P->step = (int)step;
  *epoch  = (PetscInt)ep;
  *seed   = (PetscInt)sd;
  *datasets = NULL;
  if (version >= 2) {
    PetscCall(PetscMalloc1(dlen + 1, datasets));
    memcpy(*datasets, buf + CKPT_PREFIX + mlen + 8 * n + 4, dlen);
    (*datasets)[dlen] = 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECheckpointRead(const char path[], GCVAEModel *model, PetscInt *epoch, PetscInt *seed, char **datasets, PetscBool *found)
{
  struct stat    st;
  unsigned char *buf;
  size_t         len;
  FILE          *f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  *found    = PETSC_FALSE;
  *datasets = NULL;
  f         = fopen(path, "rb");
  if (!f && errno == ENOENT) PetscFunctionReturn(0);
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-resume: cannot open the checkpoint %s: %s", path, strerror(errno));
  if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
    (void)fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-resume: the checkpoint %s is not a regular file", path);
  }
  len = (size_t)st.st_size;
  PetscCall(PetscMalloc1(len + 1, &buf));
  if (fread(buf, 1, len, f) != len) {
    (void)fclose(f);
    PetscCall(PetscFree(buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "-resume: read error in the checkpoint %s", path);
  }
  (void)fclose(f);
  /* the older format's <o>.ckpt was a model file, its AdamW state in <o>.ckpt.state */
  if (len >= 8 && !memcmp(buf, GCVAE_MODEL_MAGIC, sizeof(GCVAE_MODEL_MAGIC))) {
    PetscCall(PetscFree(buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: %s is a checkpoint of an older gcvae-train (a model file, its AdamW state in %s.state); this version keeps model, AdamW state, epoch and seed in one file and cannot resume it: remove %s and %s.state, or run without -resume", path, path, path, path);
  }
  if (len < CKPT_PREFIX + 4 || memcmp(buf, CKPT_MAGIC, sizeof(CKPT_MAGIC))) {
    PetscCall(PetscFree(buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: %s is not a gcvae-train checkpoint (%zu bytes, no \"GCVAECK\" magic)", path, len);
  }
  if (Crc(buf, len - 4) != GetU32(buf + len - 4)) {
    PetscCall(PetscFree(buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-resume: checkpoint %s: checksum mismatch, the file is corrupt", path);
  }
  ierr = Decode(path, buf, len, model, epoch, seed, datasets);
  PetscCall(PetscFree(buf));
  PetscCall(ierr);
  *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}
