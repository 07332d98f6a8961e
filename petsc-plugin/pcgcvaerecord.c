/*
   -pc_gcvae_record DIR [-pc_gcvae_record_every K]: PCSetUp saves the matrix it sees (every K-th
   setup of this PC) to DIR in PETSc's binary format, so that a normal run of any PETSc program
   collects training data (`gcvae-datagen -matrices DIR` makes a dataset of them).

   Names: DIR/<host>-<pid>-<k>.bin, k counting the matrices this process has recorded (all PCs of
   the process share the counter), skipping names that exist, so runs on several hosts, runs at
   the same time and later runs into one DIR never overwrite each other's files. Each file is
   written to its temporary (GCVAETempName: <name>.tmp.<host>.<pid>, which '*.bin' does not
   match) and renamed when complete, so DIR never holds part of a matrix. The binary format does
   not depend on the number of processes: a matrix recorded on p processes is byte for byte the
   one recorded on one. No .info file is written (it would hold only the block size, 1).

   DIR is created with its parents when missing (mkdir -p). Recording needs no usable model: without -pc_gcvae_model, PCSetUp records and uses Jacobi,
   saying so in PCView and -info (pcgcvae.c).
*/
#include "pcgcvaeimpl.h" /*I "petscpc.h" I*/
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static PetscInt RecordCount = 0; /* matrices recorded by this process, the k of the names */

/* mkdir -p: each missing component of dir, as the shell's mkdir -p would; 0 on success */
static int MakePath(const char dir[])
{
  char        p[PETSC_MAX_PATH_LEN];
  struct stat st;
  size_t      len = strlen(dir);

  if (len >= sizeof(p)) return -1;
  memcpy(p, dir, len + 1);
  for (size_t i = 1; i <= len; i++)
    if (p[i] == '/' || p[i] == 0) {
      const char c = p[i];
      p[i]         = 0;
      if (stat(p, &st) && mkdir(p, 0777) && errno != EEXIST) return -1;
      p[i] = c;
    }
  return 0;
}

/* rank 0: DIR exists (created with its parents if missing) and is writable; the answer is broadcast */
static PetscErrorCode CheckDirectory(MPI_Comm comm, const char dir[])
{
  PetscMPIInt rank;
  int         err = 0; /* 0 ok, 1 not a directory, 2 cannot create, 3 not writable */

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    struct stat st;
    if (stat(dir, &st)) err = MakePath(dir) ? 2 : 0;
    else if (!S_ISDIR(st.st_mode)) err = 1;
    if (!err && access(dir, W_OK | X_OK)) err = 3;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(err != 1, comm, PETSC_ERR_FILE_OPEN, "-pc_gcvae_record %s: exists and is not a directory", dir);
  PetscCheck(err != 2, comm, PETSC_ERR_FILE_OPEN, "-pc_gcvae_record %s: the directory does not exist and cannot be created (%s)", dir, "a component of the path is not a directory, or not writable");
  PetscCheck(err != 3, comm, PETSC_ERR_FILE_OPEN, "-pc_gcvae_record %s: the directory is not writable", dir);
  PetscFunctionReturn(0);
}

/* rank 0 picks the next free name; every rank gets it */
static PetscErrorCode NextName(MPI_Comm comm, const char dir[], char name[], size_t len)
{
  PetscMPIInt rank;
  char        host[64];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    PetscCall(PetscGetHostName(host, sizeof(host)));
    for (char *c = host; *c; c++)
      if (*c == '/' || *c == ' ') *c = '_';
    for (;;) {
      PetscBool exists;
      PetscCall(PetscSNPrintf(name, len, "%s/%s-%ld-%06" PetscInt_FMT ".bin", dir, host, (long)getpid(), RecordCount));
      PetscCall(PetscTestFile(name, '\0', &exists));
      if (!exists) break;
      RecordCount++;
    }
  }
  PetscCallMPI(MPI_Bcast(name, (int)len, MPI_CHAR, 0, comm));
  RecordCount++;
  PetscFunctionReturn(0);
}

/* Called at the start of each PCSetUp (pcgcvae.c), before any check of A: a matrix the PC then
   refuses (not symmetric, zero diagonal) is still recorded, and gcvae-datagen says what is
   wrong with it by file name. */
PetscErrorCode PCGCVAERecord_Private(PC pc, Mat A)
{
  PC_GCVAE   *gc   = (PC_GCVAE *)pc->data;
  MPI_Comm    comm = PetscObjectComm((PetscObject)pc);
  char        name[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN];
  PetscViewer v;
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  if (!gc->record[0]) PetscFunctionReturn(0);
  if (gc->record_seen++ % gc->record_every) PetscFunctionReturn(0);
  PetscCall(CheckDirectory(comm, gc->record));
  PetscCall(NextName(comm, gc->record, name, sizeof(name)));
  PetscCall(GCVAETempName(name, tmp, sizeof(tmp))); /* rank 0's: it writes the file */
  PetscCallMPI(MPI_Bcast(tmp, (int)sizeof(tmp), MPI_CHAR, 0, comm));
  PetscCall(PetscViewerCreate(comm, &v));
  PetscCall(PetscViewerSetType(v, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE));
  PetscCall(PetscViewerFileSetMode(v, FILE_MODE_WRITE));
  PetscCall(PetscViewerFileSetName(v, tmp));
  PetscCall(MatView(A, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    PetscCall(GCVAESyncFile(tmp));
    if (rename(tmp, name)) {
      err = 1;
      (void)unlink(tmp);
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "-pc_gcvae_record: cannot rename %s to %s", tmp, name);
  gc->record_written++;
  PetscCall(PetscInfo(pc, "PCGCVAE recorded the matrix to %s\n", name));
  PetscFunctionReturn(0);
}

static PetscErrorCode PCGCVAESetRecord_GCVAE(PC pc, const char dir[], PetscInt every)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  PetscCheck(every >= 1, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE, "-pc_gcvae_record_every %" PetscInt_FMT " must be >= 1", every);
  PetscCheck(!dir || strlen(dir) < sizeof(gc->record) - 32, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_SIZ, "-pc_gcvae_record: directory name longer than %d characters", (int)sizeof(gc->record) - 33);
  PetscCall(PetscStrncpy(gc->record, dir ? dir : "", sizeof(gc->record)));
  gc->record_every = every;
  PetscFunctionReturn(0);
}

/* The record options of PCSetFromOptions_GCVAE; invalid values go to bad_option (PCSetUp reports) */
PetscErrorCode PCGCVAERecordSetFromOptions_Private(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;
  char      dir[PETSC_MAX_PATH_LEN];
  PetscInt  every = gc->record_every;
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(dir, gc->record, sizeof(dir)));
  PetscCall(PetscOptionsString("-pc_gcvae_record", "Save each matrix PCSetUp sees to this directory (PETSc binary; gcvae-datagen -matrices)", "PCGCVAESetRecord", dir, dir, sizeof(dir), &set));
  PetscCall(PetscOptionsInt("-pc_gcvae_record_every", "Record every K-th matrix of this PC", "PCGCVAESetRecord", every, &every, NULL));
  if (gc->bad_option[0]) PetscFunctionReturn(0);
  if (every < 1) PetscCall(PetscSNPrintf(gc->bad_option, sizeof(gc->bad_option), "-pc_gcvae_record_every %" PetscInt_FMT " must be >= 1", every));
  else if (strlen(dir) >= sizeof(gc->record) - 32) PetscCall(PetscSNPrintf(gc->bad_option, sizeof(gc->bad_option), "-pc_gcvae_record: directory name longer than %d characters", (int)sizeof(gc->record) - 33));
  else PetscCall(PCGCVAESetRecord_GCVAE(pc, dir, every));
  PetscFunctionReturn(0);
}

PetscErrorCode PCGCVAERecordView_Private(PC pc, PetscViewer viewer)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  if (gc->record[0]) PetscCall(PetscViewerASCIIPrintf(viewer, "  recording matrices to %s (1 in %" PetscInt_FMT "): %" PetscInt_FMT " recorded by this PC\n", gc->record, gc->record_every, gc->record_written));
  PetscFunctionReturn(0);
}

PetscErrorCode PCGCVAERecordCreate_Private(PC pc)
{
  PC_GCVAE *gc = (PC_GCVAE *)pc->data;

  PetscFunctionBegin;
  gc->record_every = 1;
  PetscCall(PetscObjectComposeFunction((PetscObject)pc, "PCGCVAESetRecord_C", PCGCVAESetRecord_GCVAE));
  PetscFunctionReturn(0);
}

/*@C
   PCGCVAESetRecord - Saves the matrices that PCSetUp() sees, for training (`gcvae-datagen -matrices`).

   Logically Collective

   Input Parameters:
+  pc - the preconditioner context
.  dir - directory (created with its parents if missing); NULL or "" stops recording
-  every - record every `every`-th matrix of this PC (1: all)

   Options Database Keys:
+  -pc_gcvae_record <dir> - the directory
-  -pc_gcvae_record_every <k> - every k-th matrix

   Notes:
   Each matrix goes to `dir/<host>-<pid>-<k>.bin` (PETSc binary, MatLoad() reads it), written
   whole or not at all. Without a model (`-pc_gcvae_model` not given) the PC records and applies
   Jacobi, so a first run can collect the data a model is then trained on.

   Level: intermediate

.seealso: `PCGCVAE`, `PCGCVAESetModel()`
@*/
PetscErrorCode PCGCVAESetRecord(PC pc, const char dir[], PetscInt every)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(pc, PC_CLASSID, 1);
  PetscValidLogicalCollectiveInt(pc, every, 3);
  PetscTryMethod(pc, "PCGCVAESetRecord_C", (PC, const char[], PetscInt), (pc, dir, every));
  PetscFunctionReturn(0);
}
