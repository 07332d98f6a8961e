static char help[] = "The model file (src/modelio.c): bit-exact round trip, byte layout, atomic writes,\n\
and rejection of every kind of corrupt file with a message that names the file and the\n\
problem. Runs on any number of processes (the reader broadcasts from rank 0).\n\
  -n N      parameters of the round-trip model (default 10007)\n\
  -fuzz K   random header mutations with a valid checksum (default 2000; 0: none)\n\n";

#include <gcvae_model.h>
#include <dirent.h>
#include <glob.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* file offsets of format version 1, written out independently of src/modelio.c */
#define OFF_VERSION  8
#define OFF_MARK     12
#define OFF_HLEN     16
#define OFF_DECODER  (24 + 8 * 0)
#define OFF_HIDDEN   (24 + 8 * 3)
#define OFF_GAT      (24 + 8 * 4)
#define OFF_EDGE     (24 + 8 * 5)
#define OFF_HEADS    (24 + 8 * 6)
#define OFF_CNN_N    (24 + 8 * 12)
#define OFF_EXTRA    (24 + 8 * 13)
#define OFF_SCALING  (24 + 8 * 14)
#define OFF_FAMILY   (24 + 8 * 15)
#define OFF_NPARAMS  (OFF_FAMILY + 2 * 256 + 8 * 8)
#define OFF_PARAMS   (OFF_NPARAMS + 8)
#define HEADER_BYTES (19 * 8 + 5 * 8 + 2 * 256)

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t Rand32(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

static void PutLE(unsigned char *p, uint64_t v, int nbytes)
{
  for (int i = 0; i < nbytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t GetLE(const unsigned char *p, int nbytes)
{
  uint64_t v = 0;

  for (int i = 0; i < nbytes; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* the CRC-32 of everything before the last 4 bytes, stored there */
static void FixCrc(unsigned char *b, size_t len)
{
  PutLE(b + len - 4, crc32(crc32(0L, Z_NULL, 0), b, (uInt)(len - 4)), 4);
}

static PetscErrorCode Slurp(const char path[], unsigned char **b, size_t *len)
{
  FILE       *f = fopen(path, "rb");
  struct stat st;

  PetscFunctionBeginUser;
  PetscCheck(f && !fstat(fileno(f), &st), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot read %s", path);
  *len = (size_t)st.st_size;
  PetscCall(PetscMalloc(*len + 1, b));
  PetscCheck(fread(*b, 1, *len, f) == *len, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "short read of %s", path);
  fclose(f);
  PetscFunctionReturn(0);
}

static PetscErrorCode Spit(const char path[], const unsigned char *b, size_t len)
{
  FILE *f = fopen(path, "wb");

  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  PetscCheck(fwrite(b, 1, len, f) == len && !fclose(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
  PetscFunctionReturn(0);
}

/* Any temporary of path left behind: the writer's per-process "<path>.tmp.<host>.<pid>",
   or the pid-less "<path>.tmp" of older versions. tmp gets the pattern for messages. */
static PetscBool TempLeft(const char path[], char tmp[], size_t len)
{
  glob_t    g;
  PetscBool left;

  (void)snprintf(tmp, len, "%s.tmp*", path);
  left = glob(tmp, 0, NULL, &g) == 0 && g.gl_pathc > 0 ? PETSC_TRUE : PETSC_FALSE;
  globfree(&g);
  return left;
}

/* nparams random finite floats: every bit pattern but NaN/Inf (subnormals, -0 included) */
static void RandomParams(PetscInt n, float p[])
{
  for (PetscInt i = 0; i < n; i++) {
    uint32_t u;

    do u = Rand32() ^ (Rand32() << 16);
    while (((u >> 23) & 0xff) == 0xff);
    memcpy(&p[i], &u, 4);
  }
}

static void HeaderCnn(GCVAEModelHeader *h, PetscInt nparams)
{
  memset(h, 0, sizeof(*h)); /* the strings zero-padded, as they come back */
  h->decoder        = GCVAE_DECODER_CNN;
  h->node_features  = 7;
  h->edge_features  = 3;
  h->hidden         = 24;
  h->heads          = 4;
  h->gat_layers     = 5;
  h->edge_layers    = 0; /* the cnn decoder has none (HeaderGraph sets it) */
  h->latent         = 6;
  h->image_size     = 32;
  h->cnn_channels   = 9;
  h->cnn_layers     = 3;
  h->decoder_hidden = 48;
  h->cnn_n          = 433;
  h->mask_extra     = 0.1 + 0.2; /* not a short decimal: a text format would round it */
  h->scaling        = 1;
  strcpy(h->family, "biharmonic");
  strcpy(h->mesh, "meshes/square_243.msh");
  h->train_n       = 1029;
  h->train_samples = 40;
  h->epochs        = 123;
  h->seed          = -987654321;
  h->train_loss    = 0.123456789012345;
  h->test_loss     = 1.0 / 3.0;
  h->kl            = 2.5e-310; /* subnormal */
  h->train_seconds = 3600.25;
  h->nparams       = nparams;
}

static void HeaderGraph(GCVAEModelHeader *h)
{
  HeaderCnn(h, 1); /* the smallest model */
  h->decoder    = GCVAE_DECODER_GRAPH;
  h->cnn_n      = 0;
  h->heads       = 24;
  h->edge_layers = 3;
  h->mask_extra  = 10;
  memset(h->family, 'f', GCVAE_MODEL_NAME_LEN - 1); /* the longest name */
  memset(h->mesh, 0, GCVAE_MODEL_NAME_LEN); /* empty, zero-padded as it comes back */
  h->train_loss = -0.0;
}

/* every field bit-exactly (the structs may hold padding) */
static PetscInt HeaderDiff(const GCVAEModelHeader *a, const GCVAEModelHeader *b)
{
  PetscInt nd = 0;

#define CMP(f) \
  do { \
    if (memcmp(&a->f, &b->f, sizeof(a->f))) { \
      nd++; \
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  header field %s differs after the round trip\n", #f)); \
    } \
  } while (0)
  CMP(decoder);
  CMP(node_features);
  CMP(edge_features);
  CMP(hidden);
  CMP(gat_layers);
  CMP(edge_layers);
  CMP(heads);
  CMP(latent);
  CMP(image_size);
  CMP(cnn_channels);
  CMP(cnn_layers);
  CMP(decoder_hidden);
  CMP(cnn_n);
  CMP(mask_extra);
  CMP(scaling);
  CMP(family);
  CMP(mesh);
  CMP(train_n);
  CMP(train_samples);
  CMP(epochs);
  CMP(seed);
  CMP(train_loss);
  CMP(test_loss);
  CMP(kl);
  CMP(train_seconds);
  CMP(nparams);
#undef CMP
  return nd;
}

/* Write on rank 0, read on comm, compare everything; check the size and the layout. */
static PetscErrorCode RoundTrip(MPI_Comm comm, const char path[], const GCVAEModelHeader *h, const float p[], PetscInt *nfail)
{
  GCVAEModelHeader r;
  float           *q;
  PetscMPIInt      rank;
  PetscInt         nd, ndp = 0, nbad = 0;
  char             tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(GCVAEModelWrite(path, h, p));
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(GCVAEModelRead(comm, path, &r, &q));
  nd = HeaderDiff(h, &r);
  for (PetscInt i = 0; i < h->nparams; i++) ndp += memcmp(&p[i], &q[i], 4) != 0;
  PetscCall(PetscFree(q));
  if (rank == 0) { /* the bytes, against the documented layout */
    unsigned char *b;
    size_t         len, want = 8 + 4 + 4 + 8 + HEADER_BYTES + 4 * (size_t)h->nparams + 4;
    uint32_t       u;

    PetscCall(Slurp(path, &b, &len));
    if (len != want) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s: %zu bytes, expected %zu\n", path, len, want));
      nbad++;
    } else {
      memcpy(&u, &p[h->nparams - 1], 4);
      nbad += memcmp(b, "PCGCVAE\0", 8) != 0;
      nbad += GetLE(b + OFF_VERSION, 4) != 1;
      nbad += GetLE(b + OFF_MARK, 4) != 0x01020304u;
      nbad += GetLE(b + OFF_HLEN, 8) != HEADER_BYTES;
      nbad += (int64_t)GetLE(b + OFF_DECODER, 8) != (int64_t)h->decoder;
      nbad += (int64_t)GetLE(b + OFF_GAT, 8) != (int64_t)h->gat_layers;
      nbad += (int64_t)GetLE(b + OFF_EDGE, 8) != (int64_t)h->edge_layers;
      nbad += (int64_t)GetLE(b + OFF_HEADS, 8) != (int64_t)h->heads;
      nbad += strcmp((char *)b + OFF_FAMILY, h->family) != 0;
      nbad += (int64_t)GetLE(b + OFF_NPARAMS, 8) != (int64_t)h->nparams;
      nbad += GetLE(b + len - 8, 4) != u; /* the last parameter, little-endian */
      nbad += GetLE(b + len - 4, 4) != crc32(crc32(0L, Z_NULL, 0), b, (uInt)(len - 4));
      if (nbad) PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s: %" PetscInt_FMT " layout checks failed\n", path, nbad));
    }
    PetscCall(PetscFree(b));
    if (TempLeft(path, tmp, sizeof(tmp))) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s left behind\n", tmp));
      nbad++;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nbad, 1, MPIU_INT, MPI_SUM, comm));
  PetscCall(PetscPrintf(comm, "round trip %-6s %7" PetscInt_FMT " params: %s (%" PetscInt_FMT " header fields, %" PetscInt_FMT " params differ)\n", h->decoder ? "cnn" : "graph", h->nparams, nd || ndp || nbad ? "FAIL" : "ok", nd, ndp));
  if (nd || ndp || nbad) (*nfail)++;
  PetscFunctionReturn(0);
}

/* The call must fail with a message containing the path and both substrings (e2 may be NULL). */
static PetscErrorCode Expect(MPI_Comm comm, const char label[], PetscErrorCode ierr, const char path[], const char e1[], const char e2[], PetscBool print, PetscInt *nfail)
{
  const char *text;
  char       *msg = NULL, *hit;
  PetscBool   ok  = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (ierr) {
    PetscCall(PetscErrorMessage(ierr, &text, &msg));
    if (msg) {
      ok = PETSC_TRUE;
      PetscCall(PetscStrstr(msg, path, &hit));
      ok = (PetscBool)(ok && hit);
      PetscCall(PetscStrstr(msg, e1, &hit));
      ok = (PetscBool)(ok && hit);
      if (e2) {
        PetscCall(PetscStrstr(msg, e2, &hit));
        ok = (PetscBool)(ok && hit);
      }
    }
  }
  if (ok && print) PetscCall(PetscPrintf(comm, "ok    %-24s %s\n", label, msg));
  if (!ok) { /* from whichever rank saw it */
    PetscMPIInt rank;

    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL  %-24s [rank %d] %s\n", label, rank, !ierr ? "(accepted!)" : msg ? msg : "(no message)"));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "      expected the path and \"%s\"%s%s%s\n", e1, e2 ? " and \"" : "", e2 ? e2 : "", e2 ? "\"" : ""));
    (*nfail)++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectReadFails(MPI_Comm comm, const char label[], const char path[], const char e1[], const char e2[], PetscBool print, PetscInt *nfail)
{
  GCVAEModelHeader h;
  float           *q = NULL;
  PetscErrorCode   ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelRead(comm, path, &h, &q);
  PetscCall(PetscPopErrorHandler());
  if (!ierr) PetscCall(PetscFree(q));
  PetscCall(Expect(comm, label, ierr, path, e1, e2, print, nfail));
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectWriteFails(const char label[], const char path[], const GCVAEModelHeader *h, const float p[], const char e1[], const char e2[], PetscInt *nfail)
{
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = GCVAEModelWrite(path, h, p);
  PetscCall(PetscPopErrorHandler());
  PetscCall(Expect(PETSC_COMM_SELF, label, ierr, path, e1, e2, PETSC_TRUE, nfail));
  PetscFunctionReturn(0);
}

/* Writer: failures leave nothing behind and an existing model as it was (rank 0). */
static PetscErrorCode Atomicity(const char dir[], const GCVAEModelHeader *h, const float p[], PetscInt *nfail)
{
  char             path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN], adir[PETSC_MAX_PATH_LEN];
  unsigned char   *before, *after;
  size_t           nbefore, nafter;
  GCVAEModelHeader bad = *h;
  float           *pnan;
  PetscInt         nf0 = *nfail;

  PetscFunctionBeginUser;
  /* no such directory */
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/no/such/dir/m.bin", dir));
  PetscCall(ExpectWriteFails("write: no directory", path, h, p, "cannot create", "No such file or directory", nfail));
  /* the target is a directory: the .tmp is written, the rename fails, the .tmp must go */
  PetscCall(PetscSNPrintf(adir, sizeof(adir), "%s/adir", dir));
  PetscCheck(!mkdir(adir, 0700), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "mkdir %s", adir);
  PetscCall(ExpectWriteFails("write: rename fails", adir, h, p, "cannot write model file", "directory", nfail));
  if (TempLeft(adir, tmp, sizeof(tmp))) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL  %s left behind after a failed rename\n", tmp));
    (*nfail)++;
  }
  /* an invalid header or a NaN parameter: refused before anything is touched */
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/keep.bin", dir));
  PetscCall(GCVAEModelWrite(path, h, p));
  PetscCall(Slurp(path, &before, &nbefore));
  bad.heads = 5;
  PetscCall(ExpectWriteFails("write: invalid header", path, &bad, p, "hidden = 24 is not divisible by heads = 5", NULL, nfail));
  PetscCall(PetscMalloc1(h->nparams, &pnan));
  PetscCall(PetscArraycpy(pnan, p, h->nparams));
  pnan[4321] = NAN;
  PetscCall(ExpectWriteFails("write: NaN parameter", path, h, pnan, "parameter 4321 is NaN", NULL, nfail));
  PetscCall(PetscFree(pnan));
  PetscCall(Slurp(path, &after, &nafter));
  if (nafter != nbefore || memcmp(before, after, nbefore) || TempLeft(path, tmp, sizeof(tmp))) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL  a refused write changed %s or left %s\n", path, tmp));
    (*nfail)++;
  }
  PetscCall(PetscFree(before));
  PetscCall(PetscFree(after));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-5s %-24s failed writes leave no .tmp and the old file intact\n", *nfail == nf0 ? "ok" : "FAIL", "write: atomicity"));
  PetscFunctionReturn(0);
}

typedef struct {
  const char *name;
  const char *e1, *e2; /* the message must contain these (e2 may be NULL) */
} Case;

enum {
  C_MISSING, C_EMPTY, C_SHORT, C_TRUNC_HEADER, C_TRUNC_PARAMS, C_MAGIC, C_FUTURE, C_VERSION0, C_SWAPPED, C_MARK, C_HLEN,
  C_FLIP_PARAM, C_FLIP_HEADER, C_NAN, C_INF, C_DECODER, C_HEADS, C_EDGE_NEG, C_EDGE_BIG, C_EDGE_CNN, C_CNN_N, C_EXTRA, C_SCALING, C_NONUL, C_PADDING,
  C_NPARAMS_BIG, C_NPARAMS_0, C_NPARAMS_LESS, C_INT_RANGE, C_TRAILING, C_DIRECTORY, C_NCASES
};

static const Case Cases[C_NCASES] = {
  {"missing file", "cannot open", "No such file"},
  {"empty file", "empty", "truncated"},
  {"shorter than prefix", "truncated: 12 bytes", "fixed prefix"},
  {"truncated in header", "truncated: 324 bytes", "header"},
  {"truncated in params", "truncated: 20730 bytes", "parameters need"},
  {"wrong magic", "not a PCGCVAE model file", NULL},
  {"future version", "format version 2 is newer than this build reads (1): update PCGCVAE", NULL},
  {"version 0", "unknown format version 0", NULL},
  {"byte-swapped marker", "endianness marker", "big-endian"},
  {"corrupt marker", "endianness marker is 0x01020305", "corrupt"},
  {"header length", "header length 700", "704"},
  {"flipped param byte", "checksum mismatch: the file is corrupt", NULL},
  {"flipped header byte", "checksum mismatch: the file is corrupt", NULL},
  {"NaN parameter", "parameter 1234 ", "NaN"},
  {"Inf parameter", "parameter 0 ", "Inf"},
  {"decoder kind 7", "decoder kind 7", NULL},
  {"heads !| hidden", "hidden = 24 is not divisible by heads = 5", NULL},
  {"edge_layers -1", "edge_layers = -1 is outside [0, gat_layers = 5]", NULL},
  {"edge_layers > gat_layers", "edge_layers = 6 is outside [0, gat_layers = 5]", NULL},
  {"edge_layers with cnn", "edge_layers = 2 must be 0 for the cnn decoder", NULL},
  {"cnn without cnn_n", "cnn_n = 0", "cnn decoder"},
  {"mask_extra 11", "mask_extra = 11", "[0, 10]"},
  {"scaling 2", "scaling = 2", NULL},
  {"family without NUL", "family is not NUL-terminated", NULL},
  {"mesh padding", "mesh is not zero-padded", NULL},
  {"nparams 2^31", "nparams = 2147483648", NULL},
  {"nparams 0", "nparams = 0", NULL},
  {"nparams - 1", "4 trailing bytes", NULL},
  {"hidden 2^40", "hidden = 1099511627776 does not fit", NULL},
  {"trailing garbage", "3 trailing bytes", NULL},
  {"a directory", "not a regular file", NULL},
};

/* The good file's bytes g (n parameters), spoiled according to case c, written to path (rank 0). */
static PetscErrorCode MakeCase(int c, const unsigned char *g, size_t glen, const char path[])
{
  unsigned char *b;
  size_t         len = glen;
  PetscBool      fix = PETSC_TRUE; /* recompute the CRC, so that the intended check must catch it */
  float          x;
  uint32_t       u;
  double         d = 11.0;
  uint64_t       du;

  PetscFunctionBeginUser;
  if (c == C_MISSING) PetscFunctionReturn(0);
  if (c == C_DIRECTORY) {
    PetscCheck(!mkdir(path, 0700), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "mkdir %s", path);
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc(glen + 3, &b));
  PetscCall(PetscArraycpy(b, g, glen));
  switch (c) {
  case C_EMPTY: len = 0; fix = PETSC_FALSE; break;
  case C_SHORT: len = 12; fix = PETSC_FALSE; break;
  case C_TRUNC_HEADER: len = 24 + 300; fix = PETSC_FALSE; break;
  case C_TRUNC_PARAMS: len = OFF_PARAMS + 4 * 5000 + 2; fix = PETSC_FALSE; break;
  case C_MAGIC: b[0] = 'X'; break;
  case C_FUTURE: PutLE(b + OFF_VERSION, 2, 4); break;
  case C_VERSION0: PutLE(b + OFF_VERSION, 0, 4); break;
  case C_SWAPPED: b[OFF_MARK] = 1; b[OFF_MARK + 1] = 2; b[OFF_MARK + 2] = 3; b[OFF_MARK + 3] = 4; break;
  case C_MARK: b[OFF_MARK] ^= 1; break;
  case C_HLEN: PutLE(b + OFF_HLEN, 700, 8); break;
  case C_FLIP_PARAM: b[OFF_PARAMS + 4 * 777 + 1] ^= 0x10; fix = PETSC_FALSE; break;
  case C_FLIP_HEADER: b[OFF_FAMILY + 2] ^= 0x01; fix = PETSC_FALSE; break;
  case C_NAN:
  case C_INF:
    x = c == C_NAN ? NAN : -INFINITY;
    memcpy(&u, &x, 4);
    PutLE(b + OFF_PARAMS + 4 * (c == C_NAN ? 1234 : 0), u, 4);
    break;
  case C_DECODER: PutLE(b + OFF_DECODER, 7, 8); break;
  case C_HEADS: PutLE(b + OFF_HEADS, 5, 8); break;
  case C_EDGE_NEG: PutLE(b + OFF_EDGE, (uint64_t)-1, 8); break;
  case C_EDGE_BIG: PutLE(b + OFF_EDGE, 6, 8); break;
  case C_EDGE_CNN: PutLE(b + OFF_EDGE, 2, 8); break; /* the good file is a cnn model */
  case C_CNN_N: PutLE(b + OFF_CNN_N, 0, 8); break;
  case C_EXTRA: memcpy(&du, &d, 8); PutLE(b + OFF_EXTRA, du, 8); break;
  case C_SCALING: PutLE(b + OFF_SCALING, 2, 8); break;
  case C_NONUL: memset(b + OFF_FAMILY, 'x', 256); break;
  case C_PADDING: b[OFF_FAMILY + 256 + 200] = 'y'; break; /* mesh "meshes/square_243.msh" is shorter */
  case C_NPARAMS_BIG: PutLE(b + OFF_NPARAMS, 2147483648ull, 8); break;
  case C_NPARAMS_0: PutLE(b + OFF_NPARAMS, 0, 8); break;
  case C_NPARAMS_LESS: PutLE(b + OFF_NPARAMS, GetLE(b + OFF_NPARAMS, 8) - 1, 8); break;
  case C_INT_RANGE: PutLE(b + OFF_HIDDEN, 1ull << 40, 8); break;
  case C_TRAILING: memcpy(b + glen, "xyz", 3); len = glen + 3; fix = PETSC_FALSE; break;
  }
  if (fix) FixCrc(b, len);
  PetscCall(Spit(path, b, len));
  PetscCall(PetscFree(b));
  PetscFunctionReturn(0);
}

/* Rank 0, a small model: every truncation and every single-byte change must be rejected;
   random header changes with a valid CRC must be rejected or read back canonically
   (writing what was read gives the same bytes). None may crash (run it under valgrind). */
static PetscErrorCode Fuzz(const char dir[], PetscInt nmut, PetscInt *nfail)
{
  GCVAEModelHeader h, r;
  float            p[50], *q;
  char             path[PETSC_MAX_PATH_LEN], mpath[PETSC_MAX_PATH_LEN], wpath[PETSC_MAX_PATH_LEN];
  unsigned char   *g, *b, *w;
  size_t           glen, wlen;
  PetscInt         ntrunc = 0, nflip = 0, nrej = 0, nacc = 0, nf0 = *nfail;
  PetscErrorCode   ierr;

  PetscFunctionBeginUser;
  HeaderGraph(&h);
  h.nparams = 50;
  RandomParams(50, p);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/fuzz.bin", dir));
  PetscCall(PetscSNPrintf(mpath, sizeof(mpath), "%s/fuzz_mut.bin", dir));
  PetscCall(PetscSNPrintf(wpath, sizeof(wpath), "%s/fuzz_rewrite.bin", dir));
  PetscCall(GCVAEModelWrite(path, &h, p));
  PetscCall(Slurp(path, &g, &glen));
  PetscCall(PetscMalloc(glen, &b));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  for (size_t len = 0; len < glen; len++) {
    PetscCall(Spit(mpath, g, len));
    ierr = GCVAEModelRead(PETSC_COMM_SELF, mpath, &r, &q);
    if (!ierr) PetscCall(PetscFree(q));
    else ntrunc++;
  }
  for (size_t i = 0; i < glen; i++) {
    PetscCall(PetscArraycpy(b, g, glen));
    b[i] ^= (unsigned char)(1 + Rand32() % 255);
    PetscCall(Spit(mpath, b, glen));
    ierr = GCVAEModelRead(PETSC_COMM_SELF, mpath, &r, &q);
    if (!ierr) PetscCall(PetscFree(q));
    else nflip++;
  }
  for (PetscInt k = 0; k < nmut; k++) {
    PetscInt nbytes = 1 + Rand32() % 3;

    PetscCall(PetscArraycpy(b, g, glen));
    for (PetscInt j = 0; j < nbytes; j++) {
      size_t i = Rand32() % (glen - 4);

      b[i] = Rand32() % 4 ? (unsigned char)Rand32() : (unsigned char)(b[i] ^ (1u << (Rand32() % 8)));
    }
    FixCrc(b, glen);
    PetscCall(Spit(mpath, b, glen));
    ierr = GCVAEModelRead(PETSC_COMM_SELF, mpath, &r, &q);
    if (ierr) {
      nrej++;
      continue;
    }
    nacc++;
    ierr = GCVAEModelWrite(wpath, &r, q);
    PetscCall(PetscFree(q));
    if (!ierr) {
      PetscCall(Slurp(wpath, &w, &wlen));
      ierr = (PetscErrorCode)(wlen != glen || memcmp(w, b, glen));
      PetscCall(PetscFree(w));
    }
    if (ierr) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL  fuzz: mutation %" PetscInt_FMT " was accepted but does not write back to the same bytes\n", k));
      (*nfail)++;
    }
  }
  PetscCall(PetscPopErrorHandler());
  if (ntrunc != (PetscInt)glen || nflip != (PetscInt)glen) (*nfail)++;
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-5s %-24s %" PetscInt_FMT "/%zu truncations and %" PetscInt_FMT "/%zu byte changes rejected; %" PetscInt_FMT " header mutations with valid CRC: %" PetscInt_FMT " rejected, %" PetscInt_FMT " accepted and canonical\n",
                         *nfail == nf0 ? "ok" : "FAIL", "fuzz", ntrunc, glen, nflip, glen, nmut, nrej, nacc));
  PetscCall(PetscFree(g));
  PetscCall(PetscFree(b));
  PetscFunctionReturn(0);
}

/* The view names every field, the decoder by name (rank 0) */
static PetscErrorCode ViewCheck(const char dir[], const GCVAEModelHeader *h, PetscInt *nfail)
{
  const char *want[] = {"decoder:", " cnn\n", "hidden:", "24\n", "mask_extra:", "0.3\n", "family:", "biharmonic\n", "mesh:", "square_243.msh\n", "seed:", "-987654321\n", "edge_layers:     0\n", "nparams:", "10007\n", "train_seconds:", "3600.25\n"};
  char        path[PETSC_MAX_PATH_LEN], *hit;
  PetscViewer v;
  unsigned char *b;
  size_t      len;
  PetscBool   ok = PETSC_TRUE;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/view.txt", dir));
  PetscCall(PetscViewerASCIIOpen(PETSC_COMM_SELF, path, &v));
  PetscCall(GCVAEModelHeaderView(h, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscCall(Slurp(path, &b, &len));
  b[len] = 0;
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    PetscCall(PetscStrstr((char *)b, want[i], &hit));
    if (!hit) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "      the view lacks \"%s\"\n", want[i]));
      ok = PETSC_FALSE;
    }
  }
  if (h->nparams != 10007) ok = PETSC_FALSE; /* the expected text above assumes the default -n */
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%-5s %-24s\n%s", ok ? "ok" : "FAIL", "header view", (char *)b));
  PetscCall(PetscFree(b));
  if (!ok) (*nfail)++;
  PetscFunctionReturn(0);
}

/* remove the scratch directory (one level of subdirectories) */
static void RemoveTree(const char dir[])
{
  DIR           *d = opendir(dir);
  struct dirent *e;
  char           p[PETSC_MAX_PATH_LEN + 257];

  while (d && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
    if (remove(p)) (void)rmdir(p);
  }
  if (d) closedir(d);
  (void)rmdir(dir);
}

int main(int argc, char **argv)
{
  MPI_Comm         comm;
  PetscMPIInt      rank;
  PetscInt         n = 10007, nfuzz = 2000, nfail = 0;
  GCVAEModelHeader h, hg;
  float           *p, pg[1] = {-1.5f};
  char             dir[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN];
  unsigned char   *g = NULL;
  size_t           glen = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-fuzz", &nfuzz, NULL));
  PetscCheck(n > 5000, comm, PETSC_ERR_ARG_OUTOFRANGE, "-n %" PetscInt_FMT ": the cases need more than 5000 parameters", n);
  if (rank == 0) {
    const char *t = getenv("TMPDIR");

    PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/t_modelio.XXXXXX", t && *t ? t : "/tmp"));
    PetscCheck(mkdtemp(dir), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create a directory %s", dir);
  }
  PetscCallMPI(MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, comm));

  /* round trips: all fields non-trivial; then the smallest graph model with the longest name */
  HeaderCnn(&h, n);
  PetscCall(PetscMalloc1(n, &p));
  RandomParams(n, p);
  HeaderGraph(&hg);
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/graph.bin", dir));
  PetscCall(RoundTrip(comm, path, &hg, pg, &nfail));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/good.bin", dir));
  PetscCall(RoundTrip(comm, path, &h, p, &nfail)); /* overwrites nothing: a fresh file */
  PetscCall(RoundTrip(comm, path, &h, p, &nfail)); /* replaces an existing file */
  if (rank == 0) {
    PetscCall(Slurp(path, &g, &glen));
    PetscCall(Atomicity(dir, &h, p, &nfail));
    PetscCall(ViewCheck(dir, &h, &nfail));
  }

  /* corrupt files: each rejected on every rank, with a message that says why */
  for (int c = 0; c < C_NCASES; c++) {
    char cpath[PETSC_MAX_PATH_LEN];

    PetscCall(PetscSNPrintf(cpath, sizeof(cpath), "%s/case%02d.bin", dir, c));
    if (rank == 0) PetscCall(MakeCase(c, g, glen, cpath));
    PetscCallMPI(MPI_Barrier(comm));
    PetscCall(ExpectReadFails(comm, Cases[c].name, cpath, Cases[c].e1, Cases[c].e2, PETSC_TRUE, &nfail));
  }
  if (rank == 0 && nfuzz > 0) PetscCall(Fuzz(dir, nfuzz, &nfail));

  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nfail, 1, MPIU_INT, MPI_MAX, comm));
  PetscCallMPI(MPI_Barrier(comm));
  if (rank == 0) RemoveTree(dir);
  PetscCall(PetscFree(g));
  PetscCall(PetscFree(p));
  PetscCall(PetscPrintf(comm, "%s: %" PetscInt_FMT " failure%s\n", nfail ? "FAIL" : "PASS", nfail, nfail == 1 ? "" : "s"));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
