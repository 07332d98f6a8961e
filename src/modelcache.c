/* A per-process cache of loaded models, so that a program making one PC per matrix (gcvae-compare,
   a time-stepping code) reads and checks the model file once. Entries are keyed by the path and the
   file's identity (device, inode, size, modification time): an edited or replaced file is read
   again. Entries live until PetscFinalize, so a model handed out stays valid for its PC's PCView
   even after the file changed; their large workspaces are released after each generation
   (GCVAEModelInfer), so what the cache holds is the parameters. */
#include <sys/stat.h>
#include <gcvae_model.h>

typedef struct {
  long long dev, ino, size, mtime_s, mtime_ns; /* all -1: the file could not be stat'ed */
} FileKey;

typedef struct _ModelCacheEntry {
  char                     path[PETSC_MAX_PATH_LEN];
  FileKey                  key;
  GCVAEModel               model;
  struct _ModelCacheEntry *next;
} ModelCacheEntry;

static ModelCacheEntry *cache = NULL;

static PetscErrorCode ModelCacheDestroy(void)
{
  PetscFunctionBegin;
  while (cache) {
    ModelCacheEntry *next = cache->next;
    PetscCall(GCVAEModelDestroy(&cache->model));
    PetscCall(PetscFree(cache));
    cache = next;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEModelCacheGet(MPI_Comm comm, const char path[], GCVAEModel *model)
{
  FileKey          key = {-1, -1, -1, -1, -1};
  ModelCacheEntry *e;
  PetscMPIInt      rank, have, all;

  PetscFunctionBegin;
  PetscCheck(path, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument path is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(model, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument model is NULL", PETSC_FUNCTION_NAME);
  /* rank 0 reads the file (GCVAEModelRead), so its view of the file is the key on every rank */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    struct stat st;
    if (!stat(path, &st)) key = (FileKey){(long long)st.st_dev, (long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec, (long long)st.st_mtim.tv_nsec};
  }
  PetscCallMPI(MPI_Bcast(&key, 5, MPI_LONG_LONG, 0, comm));
  for (e = cache; e; e = e->next)
    if (!strcmp(e->path, path) && !memcmp(&e->key, &key, sizeof(key))) break;
  have = e != NULL && key.size >= 0;
  /* loading is collective: load unless every rank has it (caches may differ across ranks) */
  PetscCallMPI(MPI_Allreduce(&have, &all, 1, MPI_INT, MPI_MIN, comm));
  if (!all) {
    GCVAEModel m;
    PetscCall(GCVAEModelLoad(comm, path, &m)); /* errors (missing file, bad file) from here */
    if (!cache) PetscCall(PetscRegisterFinalize(ModelCacheDestroy));
    PetscCall(PetscNew(&e));
    PetscCall(PetscStrncpy(e->path, path, sizeof(e->path)));
    e->key   = key;
    e->model = m;
    e->next  = cache; /* an older entry of the same path stays: a PC may still use it */
    cache    = e;
  }
  *model = e->model;
  PetscFunctionReturn(0);
}
