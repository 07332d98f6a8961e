/* The model file (include/gcvae_model.h): a versioned little-endian binary with a
   CRC-32, written atomically and read with every byte checked before it is used.

   Layout (byte offsets, format version 1):
     0    magic "PCGCVAE\0"                     8 bytes
     8    format version                        uint32
     12   endianness marker 0x01020304          uint32
     16   header length (704)                   uint64
     24   header fields in struct order         int64 / float64 / 256-byte strings
     728  nparams parameters                    float32 each
     end  CRC-32 (zlib) of all preceding bytes  uint32
   Values are assembled byte by byte, so the file is the same on any host. */
#include <gcvae_model.h>
#include <petsc/private/petscimpl.h> /* PetscValid*() */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "byteorderimpl.h"

#define MODEL_MAGIC_LEN   8
#define MODEL_PREFIX_LEN  24  /* magic, version, endianness marker, header length */
#define MODEL_HEADER_LEN  704 /* 19 int64 + 5 float64 + 2 strings of 256 bytes */
#define MODEL_HEAD_LEN    (MODEL_PREFIX_LEN + MODEL_HEADER_LEN) /* where the parameters start */
#define MODEL_ENDIAN_MARK 0x01020304u
#define MODEL_MAX_PARAMS  2147483647LL /* nparams < 2^31: one MPI_Bcast, 32-bit PetscInt */
#define MODEL_MSG_LEN     512          /* a problem's description (without the path) */

/* ---- the header fields, in file order ------------------------------------ */
typedef enum {
  FIELD_ENUM,  /* GCVAEDecoderKind, int64 in the file */
  FIELD_INT,   /* PetscInt, int64 in the file */
  FIELD_REAL,  /* PetscReal, float64 in the file */
  FIELD_STRING /* char[GCVAE_MODEL_NAME_LEN], zero-padded */
} FieldType;

typedef struct {
  const char *name;   /* the struct member, as printed by GCVAEModelHeaderView */
  FieldType   type;
  size_t      offset; /* offsetof(GCVAEModelHeader, name) */
} Field;

#define F(type, name) {#name, type, offsetof(GCVAEModelHeader, name)}
static const Field Fields[] = {
  F(FIELD_ENUM, decoder),        F(FIELD_INT, node_features), F(FIELD_INT, edge_features),
  F(FIELD_INT, hidden),          F(FIELD_INT, gat_layers),    F(FIELD_INT, edge_layers),
  F(FIELD_INT, heads),           F(FIELD_INT, latent),        F(FIELD_INT, image_size),
  F(FIELD_INT, cnn_channels),    F(FIELD_INT, cnn_layers),    F(FIELD_INT, decoder_hidden),
  F(FIELD_INT, cnn_n),           F(FIELD_REAL, mask_extra),   F(FIELD_INT, scaling),
  F(FIELD_STRING, family),       F(FIELD_STRING, mesh),       F(FIELD_INT, train_n),
  F(FIELD_INT, train_samples),   F(FIELD_INT, epochs),        F(FIELD_INT, seed),
  F(FIELD_REAL, train_loss),     F(FIELD_REAL, test_loss),    F(FIELD_REAL, kl),
  F(FIELD_REAL, train_seconds),  F(FIELD_INT, nparams),
};
#undef F
#define NFIELDS (sizeof(Fields) / sizeof(Fields[0]))

static size_t FieldWidth(FieldType t)
{
  return t == FIELD_STRING ? GCVAE_MODEL_NAME_LEN : 8;
}

/* ---- little-endian byte access --------------------------------------------- */
/* zlib's crc32 takes a uInt length: feed large buffers in pieces */
static uLong Crc(uLong crc, const unsigned char *p, size_t n)
{
  while (n) {
    uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;

    crc = crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return crc;
}

/* Records the first problem found: msg gets the description, the return value is the
   PETSc error code to raise with it (never 0). */
static int Problem(char msg[], size_t len, int code, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(4, 5);
static int Problem(char msg[], size_t len, int code, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, len, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- header: ranges, encode, decode ---------------------------------------- */
/* The header's values must describe a model this code can build. Shared by the writer
   (nothing invalid is written) and the reader. Returns 0 or a PETSc error code. */
static int HeaderProblem(const GCVAEModelHeader *h, char msg[], size_t len)
{
  const struct {
    const char *name;
    PetscInt    value;
  } dims[] = {
    {"node_features", h->node_features}, {"edge_features", h->edge_features}, {"hidden", h->hidden},
    {"gat_layers", h->gat_layers},       {"heads", h->heads},                 {"latent", h->latent},
    {"image_size", h->image_size},       {"cnn_channels", h->cnn_channels},   {"cnn_layers", h->cnn_layers},
    {"decoder_hidden", h->decoder_hidden},
  };
  const struct {
    const char *name;
    PetscReal   value;
  } reals[] = {
    {"train_loss", h->train_loss}, {"test_loss", h->test_loss}, {"kl", h->kl}, {"train_seconds", h->train_seconds}
  };
  const int bad = PETSC_ERR_FILE_UNEXPECTED;

  if (h->decoder != GCVAE_DECODER_GRAPH && h->decoder != GCVAE_DECODER_CNN) return Problem(msg, len, bad, "decoder kind %d is not 0 (graph) or 1 (cnn)", (int)h->decoder);
  for (size_t i = 0; i < sizeof(dims) / sizeof(dims[0]); i++) {
    if (dims[i].value <= 0) return Problem(msg, len, bad, "%s = %" PetscInt_FMT " must be positive", dims[i].name, dims[i].value);
  }
  if (h->edge_layers < 0 || h->edge_layers > h->gat_layers) return Problem(msg, len, bad, "edge_layers = %" PetscInt_FMT " is outside [0, gat_layers = %" PetscInt_FMT "]", h->edge_layers, h->gat_layers);
  if (h->decoder == GCVAE_DECODER_CNN && h->edge_layers != 0) return Problem(msg, len, bad, "edge_layers = %" PetscInt_FMT " must be 0 for the cnn decoder", h->edge_layers);
  if (h->hidden % h->heads) return Problem(msg, len, bad, "hidden = %" PetscInt_FMT " is not divisible by heads = %" PetscInt_FMT, h->hidden, h->heads);
  if (h->decoder == GCVAE_DECODER_CNN && h->cnn_n <= 0) return Problem(msg, len, bad, "cnn_n = %" PetscInt_FMT " must be positive for the cnn decoder", h->cnn_n);
  if (h->decoder == GCVAE_DECODER_GRAPH && h->cnn_n != 0) return Problem(msg, len, bad, "cnn_n = %" PetscInt_FMT " must be 0 for the graph decoder", h->cnn_n);
  if (!(h->mask_extra >= 0 && h->mask_extra <= 10)) return Problem(msg, len, bad, "mask_extra = %g is outside [0, 10]", (double)h->mask_extra);
  if (h->scaling != 1) return Problem(msg, len, bad, "scaling = %" PetscInt_FMT " is not 1 (Jacobi, the only scaling)", h->scaling);
  if (!memchr(h->family, 0, GCVAE_MODEL_NAME_LEN)) return Problem(msg, len, bad, "family is not NUL-terminated within %d bytes", GCVAE_MODEL_NAME_LEN);
  if (!memchr(h->mesh, 0, GCVAE_MODEL_NAME_LEN)) return Problem(msg, len, bad, "mesh is not NUL-terminated within %d bytes", GCVAE_MODEL_NAME_LEN);
  if (h->train_n < 0) return Problem(msg, len, bad, "train_n = %" PetscInt_FMT " is negative", h->train_n);
  if (h->train_samples < 0) return Problem(msg, len, bad, "train_samples = %" PetscInt_FMT " is negative", h->train_samples);
  if (h->epochs < 0) return Problem(msg, len, bad, "epochs = %" PetscInt_FMT " is negative", h->epochs);
  for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
    if (!isfinite(reals[i].value)) return Problem(msg, len, bad, "%s = %g is not a finite number", reals[i].name, (double)reals[i].value);
  }
  if (h->nparams <= 0
#if defined(PETSC_USE_64BIT_INDICES)
      || h->nparams > MODEL_MAX_PARAMS
#endif
  )
    return Problem(msg, len, bad, "nparams = %lld is outside [1, %lld]", (long long)h->nparams, MODEL_MAX_PARAMS);
  return 0;
}

/* The fixed prefix and the header fields -> head[MODEL_HEAD_LEN] */
static void HeadEncode(const GCVAEModelHeader *h, unsigned char head[])
{
  unsigned char *p = head + MODEL_PREFIX_LEN;

  memset(head, 0, MODEL_HEAD_LEN);
  memcpy(head, GCVAE_MODEL_MAGIC, sizeof(GCVAE_MODEL_MAGIC)); /* with its NUL: 8 bytes */
  PutU32(head + 8, GCVAE_MODEL_FORMAT_VERSION);
  PutU32(head + 12, MODEL_ENDIAN_MARK);
  PutU64(head + 16, MODEL_HEADER_LEN);
  for (size_t f = 0; f < NFIELDS; f++) {
    const char *src = (const char *)h + Fields[f].offset;

    switch (Fields[f].type) {
    case FIELD_ENUM: PutU64(p, (uint64_t)(int64_t) * (const GCVAEDecoderKind *)src); break;
    case FIELD_INT: PutU64(p, (uint64_t)(int64_t) * (const PetscInt *)src); break;
    case FIELD_REAL: {
      double   d = (double)*(const PetscReal *)src;
      uint64_t u;

      memcpy(&u, &d, 8);
      PutU64(p, u);
    } break;
    case FIELD_STRING: strncpy((char *)p, src, GCVAE_MODEL_NAME_LEN); break; /* zero-pads; HeaderProblem checked the NUL */
    }
    p += FieldWidth(Fields[f].type);
  }
}

/* head[MODEL_PREFIX_LEN..MODEL_HEAD_LEN) -> *h; every integer must fit its C type */
static int HeaderDecode(const unsigned char head[], GCVAEModelHeader *h, char msg[], size_t len)
{
  const unsigned char *p = head + MODEL_PREFIX_LEN;

  memset(h, 0, sizeof(*h));
  for (size_t f = 0; f < NFIELDS; f++) {
    char   *dst = (char *)h + Fields[f].offset;
    int64_t v   = (int64_t)GetU64(p);

    switch (Fields[f].type) {
    case FIELD_ENUM:
      if (v < INT32_MIN || v > INT32_MAX) return Problem(msg, len, PETSC_ERR_FILE_UNEXPECTED, "decoder kind %lld is not 0 (graph) or 1 (cnn)", (long long)v);
      *(GCVAEDecoderKind *)dst = (GCVAEDecoderKind)v;
      break;
    case FIELD_INT:
      if (v < PETSC_MIN_INT || v > PETSC_MAX_INT) return Problem(msg, len, PETSC_ERR_FILE_UNEXPECTED, "%s = %lld does not fit in a %d-bit PetscInt", Fields[f].name, (long long)v, (int)(8 * sizeof(PetscInt)));
      *(PetscInt *)dst = (PetscInt)v;
      break;
    case FIELD_REAL: {
      uint64_t u = GetU64(p);
      double   d;

      memcpy(&d, &u, 8);
      *(PetscReal *)dst = (PetscReal)d;
    } break;
    case FIELD_STRING: {
      const unsigned char *nul = memchr(p, 0, GCVAE_MODEL_NAME_LEN);

      if (!nul) return Problem(msg, len, PETSC_ERR_FILE_UNEXPECTED, "%s is not NUL-terminated within %d bytes", Fields[f].name, GCVAE_MODEL_NAME_LEN);
      for (const unsigned char *q = nul; q < p + GCVAE_MODEL_NAME_LEN; q++) {
        if (*q) return Problem(msg, len, PETSC_ERR_FILE_UNEXPECTED, "%s is not zero-padded: byte %d is 0x%02x, after the terminating NUL", Fields[f].name, (int)(q - p), *q);
      }
      memcpy(dst, p, GCVAE_MODEL_NAME_LEN);
    } break;
    }
    p += FieldWidth(Fields[f].type);
  }
  return 0;
}

/* ---- writer ------------------------------------------------------------------ */
/* head, the parameters (little-endian), the CRC; flushed to f's file descriptor (the caller
   fsyncs when f is a file of its own). Returns 0 or an errno. */
static int WriteStream(FILE *f, const unsigned char head[], const float params[], size_t n)
{
  unsigned char buf[4096], crcb[4];
  uLong         crc = crc32(0L, Z_NULL, 0);

  errno = 0;
  if (fwrite(head, 1, MODEL_HEAD_LEN, f) != MODEL_HEAD_LEN) return errno ? errno : EIO;
  crc = Crc(crc, head, MODEL_HEAD_LEN);
  for (size_t i = 0; i < n;) {
    size_t m = 0;

    for (; i < n && m < sizeof(buf); i++, m += 4) {
      uint32_t u;

      memcpy(&u, &params[i], 4);
      PutU32(buf + m, u);
    }
    if (fwrite(buf, 1, m, f) != m) return errno ? errno : EIO;
    crc = Crc(crc, buf, m);
  }
  PutU32(crcb, (uint32_t)crc);
  if (fwrite(crcb, 1, 4, f) != 4) return errno ? errno : EIO;
  if (fflush(f)) return errno ? errno : EIO;
  return 0;
}

/* Nothing invalid is written: the header's ranges and every parameter's finiteness. */
static PetscErrorCode CheckWritable(const char path[], const GCVAEModelHeader *hdr, const float params[])
{
  char msg[MODEL_MSG_LEN];
  int  code;

  PetscFunctionBegin;
  code = HeaderProblem(hdr, msg, sizeof(msg));
  PetscCheck(!code, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cannot write model file %s: invalid header: %s", path, msg);
  for (PetscInt i = 0; i < hdr->nparams; i++) PetscCheck(isfinite(params[i]), PETSC_COMM_SELF, PETSC_ERR_FP, "cannot write model file %s: parameter %" PetscInt_FMT " is %s", path, i, isnan(params[i]) ? "NaN" : "Inf");
  PetscFunctionReturn(0);
}

/*@C
  GCVAEModelWriteStream - writes the bytes of a model file at f's position, for a file that
  holds a model among other data (gcvae-train's checkpoint). No fsync: the caller owns f.

  Not collective.

  Input Parameters:
+ f      - an open stream
. name   - what the bytes are, for the error messages (the enclosing file's name)
. hdr    - the header; its values must pass the checks of GCVAEModelRead
- params - hdr->nparams finite parameters

  Output Parameter:
. nbytes - the number of bytes written (what GCVAEModelReadStream is given back)

.seealso: GCVAEModelReadStream(), GCVAEModelWrite()
@*/
PetscErrorCode GCVAEModelWriteStream(FILE *f, const char name[], const GCVAEModelHeader *hdr, const float params[], size_t *nbytes)
{
  unsigned char head[MODEL_HEAD_LEN];
  int           err;

  PetscFunctionBegin;
  PetscValidPointer(f, 1);
  PetscValidCharPointer(name, 2);
  PetscValidPointer(hdr, 3);
  PetscValidPointer(params, 4);
  PetscValidPointer(nbytes, 5);
  PetscCall(CheckWritable(name, hdr, params));
  HeadEncode(hdr, head);
  err = WriteStream(f, head, params, (size_t)hdr->nparams);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the model into %s: %s", name, strerror(err));
  *nbytes = MODEL_HEAD_LEN + 4 * (size_t)hdr->nparams + 4;
  PetscFunctionReturn(0);
}

/*@C
  GCVAEModelWrite - writes a model file (header and float32 parameters), atomically: the
  bytes go to this process's temporary "<path>.tmp.<host>.<pid>" (GCVAETempName), which
  is flushed to the disk and renamed to path; on any error the temporary file is removed
  and an existing file at path is left as it was. Concurrent writers of one path each
  install a complete file: the last rename wins.

  Not collective: call it from one process (a process of its own temporary: ranks that
  write one path concurrently do not collide).

  Input Parameters:
+ path   - the file name
. hdr    - the header; its values must pass the checks of GCVAEModelRead
- params - hdr->nparams finite parameters

.seealso: GCVAEModelRead(), GCVAEModelHeaderView()
@*/
PetscErrorCode GCVAEModelWrite(const char path[], const GCVAEModelHeader *hdr, const float params[])
{
  char          tmp[PETSC_MAX_PATH_LEN];
  unsigned char head[MODEL_HEAD_LEN];
  FILE         *f;
  int           err;
  const char   *step = "writing";

  PetscFunctionBegin;
  PetscValidCharPointer(path, 1);
  PetscValidPointer(hdr, 2);
  PetscValidPointer(params, 3);
  PetscCall(CheckWritable(path, hdr, params));
  PetscCall(GCVAETempName(path, tmp, sizeof(tmp)));
  HeadEncode(hdr, head);

  f = fopen(tmp, "wb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write model file %s: cannot create %s: %s", path, tmp, strerror(errno));
  err = WriteStream(f, head, params, (size_t)hdr->nparams);
  if (!err && fsync(fileno(f))) err = errno ? errno : EIO; /* on the disk before the rename */
  if (fclose(f) && !err) err = errno ? errno : EIO;
  if (!err && rename(tmp, path)) {
    err  = errno;
    step = "renaming";
  }
  if (err) (void)remove(tmp);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write model file %s: %s %s: %s", path, step, tmp, strerror(err));
  PetscCall(GCVAESyncDirectory(path));
  PetscFunctionReturn(0);
}

/* ---- reader ------------------------------------------------------------------ */
/* The fixed prefix and the header length, then the file size against nparams. head
   holds the first nhead = min(size, MODEL_HEAD_LEN) bytes of the file. */
static int PrefixProblem(const unsigned char head[], size_t nhead, long long size, long long *nparams, char msg[], size_t len)
{
  const int bad = PETSC_ERR_FILE_UNEXPECTED;
  uint32_t  version, mark;
  uint64_t  hlen;
  long long n, expect;

  if (size == 0) return Problem(msg, len, bad, "the file is empty (0 bytes): truncated");
  if (memcmp(head, GCVAE_MODEL_MAGIC, PetscMin(nhead, (size_t)MODEL_MAGIC_LEN))) return Problem(msg, len, bad, "not a PCGCVAE model file (the first bytes are not \"PCGCVAE\\0\")");
  if (size < MODEL_PREFIX_LEN) return Problem(msg, len, bad, "truncated: %lld bytes, shorter than the %d-byte fixed prefix", size, MODEL_PREFIX_LEN);
  /* the prefix is the same in every format version; check the byte order first so
     that a byte-swapped file is not reported as an unknown version */
  mark = GetU32(head + 12);
  if (mark == 0x04030201u) return Problem(msg, len, bad, "endianness marker is 0x04030201, not 0x01020304: written big-endian, this build reads the little-endian format");
  if (mark != MODEL_ENDIAN_MARK) return Problem(msg, len, bad, "endianness marker is 0x%08x, not 0x01020304: the file is corrupt", (unsigned)mark);
  version = GetU32(head + 8);
  if (version > GCVAE_MODEL_FORMAT_VERSION) return Problem(msg, len, bad, "format version %u is newer than this build reads (%d): update PCGCVAE", (unsigned)version, GCVAE_MODEL_FORMAT_VERSION);
  if (version != GCVAE_MODEL_FORMAT_VERSION) return Problem(msg, len, bad, "unknown format version %u (this build reads %d)", (unsigned)version, GCVAE_MODEL_FORMAT_VERSION);
  hlen = GetU64(head + 16);
  if (hlen != MODEL_HEADER_LEN) return Problem(msg, len, bad, "header length %llu does not match format version %d (%d bytes)", (unsigned long long)hlen, GCVAE_MODEL_FORMAT_VERSION, MODEL_HEADER_LEN);
  if (size < MODEL_HEAD_LEN) return Problem(msg, len, bad, "truncated: %lld bytes, the header needs %d", size, MODEL_HEAD_LEN);
  n = (long long)GetU64(head + MODEL_HEAD_LEN - 8); /* nparams, the last header field */
  if (n <= 0 || n > MODEL_MAX_PARAMS) return Problem(msg, len, bad, "nparams = %lld is outside [1, %lld]", n, MODEL_MAX_PARAMS);
  expect = MODEL_HEAD_LEN + 4 * n + 4;
  if (size < expect) return Problem(msg, len, bad, "truncated: %lld bytes, %lld parameters need %lld", size, n, expect);
  if (size > expect) return Problem(msg, len, bad, "%lld trailing bytes: %lld bytes, %lld parameters need %lld", size - expect, size, n, expect);
  *nparams = n;
  return 0;
}

/* Read and check the size bytes of a model image at f's position (the whole file, or the
   model inside a checkpoint). On success *params (PetscMalloc'ed, nparams + 1 floats: the
   last slot held the CRC) and *hdr are set and *code = 0; on a problem *code is its PETSc
   error code, msg says what it is, and *params is NULL. */
static PetscErrorCode ModelReadFrom(FILE *f, long long size, GCVAEModelHeader *hdr, float **params, int *code, char msg[], size_t len)
{
  unsigned char  head[MODEL_HEAD_LEN];
  unsigned char *raw = NULL;
  long long      n   = 0;
  size_t         nhead = 0, nraw;

  PetscFunctionBegin;
  *params = NULL;
  *code   = 0;
  {
    nhead = (size_t)PetscMin(size, (long long)MODEL_HEAD_LEN);
    if (fread(head, 1, nhead, f) != nhead) *code = Problem(msg, len, PETSC_ERR_FILE_READ, "read error in the first %zu bytes", nhead);
  }
  if (!*code) *code = PrefixProblem(head, nhead, size, &n, msg, len);
  if (!*code) {
    uLong crc = Crc(crc32(0L, Z_NULL, 0), head, MODEL_HEAD_LEN);

    /* the size is now known to be exactly MODEL_HEAD_LEN + 4 n + 4 */
    nraw = 4 * (size_t)n + 4;
    PetscCall(PetscMalloc(nraw, &raw));
    if (fread(raw, 1, nraw, f) != nraw) *code = Problem(msg, len, PETSC_ERR_FILE_READ, "read error in the parameters");
    else if ((crc = Crc(crc, raw, nraw - 4)) != GetU32(raw + nraw - 4)) *code = Problem(msg, len, PETSC_ERR_FILE_UNEXPECTED, "checksum mismatch: the file is corrupt (stored CRC-32 0x%08x, computed 0x%08x)", (unsigned)GetU32(raw + nraw - 4), (unsigned)crc);
  }
  /* the bytes are intact: now the values must make sense */
  if (!*code) *code = HeaderDecode(head, hdr, msg, len);
  if (!*code) *code = HeaderProblem(hdr, msg, len);
  if (!*code) {
    float *p = (float *)raw; /* converted in place: p[i] only reads raw[4i..4i+3] */

    for (long long i = 0; i < n; i++) {
      uint32_t u = GetU32(raw + 4 * i);

      memcpy(&p[i], &u, 4);
      if (!isfinite(p[i])) {
        *code = Problem(msg, len, PETSC_ERR_FILE_UNEXPECTED, "parameter %lld (of %lld) is %s", i, n, isnan(p[i]) ? "NaN" : "Inf");
        break;
      }
    }
  }
  if (*code) PetscCall(PetscFree(raw));
  *params = (float *)raw;
  PetscFunctionReturn(0);
}

/* Rank 0: the whole file is one model image (ModelReadFrom's outputs). */
static PetscErrorCode ModelReadRoot(const char path[], GCVAEModelHeader *hdr, float **params, int *code, char msg[], size_t len)
{
  struct stat st;
  FILE       *f;

  PetscFunctionBegin;
  *params = NULL;
  *code   = 0;
  f       = fopen(path, "rb");
  if (!f) {
    *code = Problem(msg, len, PETSC_ERR_FILE_OPEN, "cannot open: %s", strerror(errno));
    PetscFunctionReturn(0);
  }
  if (fstat(fileno(f), &st)) *code = Problem(msg, len, PETSC_ERR_FILE_READ, "cannot stat: %s", strerror(errno));
  else if (!S_ISREG(st.st_mode)) *code = Problem(msg, len, PETSC_ERR_FILE_OPEN, "not a regular file");
  if (!*code) PetscCall(ModelReadFrom(f, (long long)st.st_size, hdr, params, code, msg, len));
  (void)fclose(f);
  PetscFunctionReturn(0);
}

/*@C
  GCVAEModelReadStream - reads the nbytes of a model image at f's position (written by
  GCVAEModelWriteStream inside a larger file) with every check of GCVAEModelRead.

  Not collective.

  Input Parameters:
+ f      - an open stream
. name   - what the bytes are, for the error messages (the enclosing file's name)
- nbytes - the size of the image

  Output Parameters:
+ hdr    - the header
- params - hdr->nparams parameters, PetscMalloc'ed (PetscFree them)

.seealso: GCVAEModelWriteStream(), GCVAEModelRead()
@*/
PetscErrorCode GCVAEModelReadStream(FILE *f, const char name[], size_t nbytes, GCVAEModelHeader *hdr, float **params)
{
  char msg[MODEL_MSG_LEN] = "";
  int  code;

  PetscFunctionBegin;
  PetscValidPointer(f, 1);
  PetscValidCharPointer(name, 2);
  PetscValidPointer(hdr, 4);
  PetscValidPointer(params, 5);
  PetscCall(ModelReadFrom(f, (long long)nbytes, hdr, params, &code, msg, sizeof(msg)));
  PetscCheck(!code, PETSC_COMM_SELF, code, "the model in %s: %s", name, msg);
  PetscFunctionReturn(0);
}

/*@C
  GCVAEModelRead - reads a model file written by GCVAEModelWrite and checks everything:
  magic, byte order, format version, header length, file size, CRC-32, every header
  field's range and every parameter's finiteness. A problem is an error whose message
  names the file and says exactly what is wrong.

  Collective: rank 0 reads the file; every rank returns the same header and parameters.

  Input Parameters:
+ comm - the communicator
- path - the file name

  Output Parameters:
+ hdr    - the header
- params - hdr->nparams parameters, PetscMalloc'ed (PetscFree them)

.seealso: GCVAEModelWrite(), GCVAEModelHeaderView()
@*/
PetscErrorCode GCVAEModelRead(MPI_Comm comm, const char path[], GCVAEModelHeader *hdr, float **params)
{
  char        msg[MODEL_MSG_LEN] = "";
  int         code = 0;
  float      *p    = NULL;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscValidCharPointer(path, 2);
  PetscValidPointer(hdr, 3);
  PetscValidPointer(params, 4);
  *params = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(ModelReadRoot(path, hdr, &p, &code, msg, sizeof(msg)));
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, 0, comm));
  if (code) {
    PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof(msg), MPI_CHAR, 0, comm));
    SETERRQ(comm, code, "model file %s: %s", path, msg);
  }
  PetscCallMPI(MPI_Bcast(hdr, (PetscMPIInt)sizeof(*hdr), MPI_BYTE, 0, comm));
  if (rank) PetscCall(PetscMalloc1(hdr->nparams, &p));
  PetscCallMPI(MPI_Bcast(p, (PetscMPIInt)hdr->nparams, MPI_FLOAT, 0, comm));
  *params = p;
  PetscFunctionReturn(0);
}

/*@C
  GCVAEModelHeaderView - prints every header field, one per line (ASCII viewers only).

  Input Parameters:
+ hdr    - the header
- viewer - an ASCII viewer (NULL: PETSC_VIEWER_STDOUT_SELF)

.seealso: GCVAEModelRead()
@*/
PetscErrorCode GCVAEModelHeaderView(const GCVAEModelHeader *hdr, PetscViewer viewer)
{
  PetscBool iascii;

  PetscFunctionBegin;
  PetscValidPointer(hdr, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(PETSC_COMM_SELF, &viewer));
  PetscValidHeaderSpecific(viewer, PETSC_VIEWER_CLASSID, 2);
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "PCGCVAE model (file format version %d):\n", GCVAE_MODEL_FORMAT_VERSION));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  for (size_t f = 0; f < NFIELDS; f++) {
    const char *src = (const char *)hdr + Fields[f].offset;
    char        label[32], str[GCVAE_MODEL_NAME_LEN + 1];

    PetscCall(PetscSNPrintf(label, sizeof(label), "%s:", Fields[f].name));
    switch (Fields[f].type) {
    case FIELD_ENUM: {
      GCVAEDecoderKind k = *(const GCVAEDecoderKind *)src;

      PetscCall(PetscViewerASCIIPrintf(viewer, "%-16s %s\n", label, k == GCVAE_DECODER_GRAPH ? "graph" : k == GCVAE_DECODER_CNN ? "cnn" : "(invalid)"));
    } break;
    case FIELD_INT: PetscCall(PetscViewerASCIIPrintf(viewer, "%-16s %" PetscInt_FMT "\n", label, *(const PetscInt *)src)); break;
    case FIELD_REAL: PetscCall(PetscViewerASCIIPrintf(viewer, "%-16s %g\n", label, (double)*(const PetscReal *)src)); break;
    case FIELD_STRING: /* terminated here: the header may not have been checked */
      memcpy(str, src, GCVAE_MODEL_NAME_LEN);
      str[GCVAE_MODEL_NAME_LEN] = 0;
      PetscCall(PetscViewerASCIIPrintf(viewer, "%-16s %s\n", label, str));
      break;
    }
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}
