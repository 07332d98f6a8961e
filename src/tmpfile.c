/* Per-process temporaries for the atomic writes of the tools' output files (datasets,
   models, checkpoints): a file is written to "<path>.tmp.<host>.<pid>", flushed to the
   disk and renamed onto <path>. The name is unique to the writing process, so writers
   of the same <path> never touch each other's bytes and each rename installs a complete
   file: the last rename wins. The host is in the name because a pid is unique on one
   host only and output directories are often shared (NFS) between the nodes of a
   cluster; an MPI rank would add nothing (ranks are processes with their own pids).

   A process killed with SIGKILL cannot remove its temporary. GCVAETempRemoveStale, run
   by the tools before they write <path>, removes the temporaries of <path> that belong
   to processes of this host that no longer exist; those of other hosts are left alone
   (their liveness cannot be checked from here). */
#include <gcvae.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define HOST_LEN 64

/* The host name with anything but [A-Za-z0-9._-] replaced, so that it is one path
   component; its last '.'-separated field is never taken for the pid because the pid
   follows it. */
static void HostName(char host[HOST_LEN])
{
  if (gethostname(host, HOST_LEN) || !host[0]) strcpy(host, "localhost");
  host[HOST_LEN - 1] = 0;
  for (char *c = host; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_')) *c = '_';
}

/*@C
  GCVAETempName - the name of this process's temporary for path: "<path>.tmp.<host>.<pid>".

  Not collective. Computed from getpid() at each call, so it is right after a fork.

  Input Parameters:
+ path - the final file name
- len  - the size of tmp

  Output Parameter:
. tmp - the temporary's name

.seealso: GCVAETempRemoveStale()
@*/
PetscErrorCode GCVAETempName(const char path[], char tmp[], size_t len)
{
  char host[HOST_LEN];
  int  n;

  PetscFunctionBegin;
  PetscCheck(path && tmp, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "GCVAETempName: NULL argument");
  HostName(host);
  n = snprintf(tmp, len, "%s.tmp.%s.%ld", path, host, (long)getpid());
  PetscCheck(n > 0 && (size_t)n < len, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cannot write %s: the name of its temporary (%s.tmp.%s.%ld) is longer than %zu characters", path, path, host, (long)getpid(), len - 1);
  PetscFunctionReturn(0);
}

/*@C
  GCVAETempRemoveStale - removes the temporaries "<path>.tmp.<host>.<pid>" left by
  processes of this host that no longer run (killed with SIGKILL, or by a crash), and
  prints one line for each ("<who>: removed ... ").

  Not collective: call it from the one process that writes path.

  Notes:
  A temporary of a live process (another writer of the same path) is never removed. If
  the dead process's pid has been reused by a live one, its temporary stays until that
  process ends: a leftover file, never a removed live one. Temporaries of other hosts,
  and the pid-less "<path>.tmp" of older versions, are left alone.

  Input Parameters:
+ path - the final file name
- who  - the tool, for the message

.seealso: GCVAETempName()
@*/
PetscErrorCode GCVAETempRemoveStale(const char path[], const char who[])
{
  char           host[HOST_LEN], dir[PETSC_MAX_PATH_LEN], base[PETSC_MAX_PATH_LEN], prefix[PETSC_MAX_PATH_LEN + HOST_LEN + 8], full[2 * PETSC_MAX_PATH_LEN];
  size_t         plen;
  DIR           *d;
  struct dirent *e;
  const char    *dname;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(dir, path, sizeof(dir)));
  PetscCall(PetscStrncpy(base, path, sizeof(base)));
  HostName(host);
  /* dirname/basename may modify their argument: each gets its own copy */
  PetscCall(PetscSNPrintf(prefix, sizeof(prefix), "%s.tmp.%s.", basename(base), host));
  PetscCall(PetscStrlen(prefix, &plen));
  dname = dirname(dir);
  d     = opendir(dname);
  if (!d) PetscFunctionReturn(0); /* no directory: nothing stale, and the write will say why it fails */
  while ((e = readdir(d))) {
    char *end;
    long  pid;

    if (strncmp(e->d_name, prefix, plen)) continue;
    errno = 0;
    pid   = strtol(e->d_name + plen, &end, 10);
    if (errno || *end || end == e->d_name + plen || pid <= 0 || pid == (long)getpid()) continue;
    /* ESRCH: no such process. EPERM means it exists (another user's): keep it. */
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    PetscCall(PetscSNPrintf(full, sizeof(full), "%s/%s", dname, e->d_name));
    if (!unlink(full)) PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: removed %s, the temporary of process %ld of this host, which no longer runs (killed?)\n", who, full, pid));
  }
  (void)closedir(d);
  PetscFunctionReturn(0);
}

/*@C
  GCVAESyncFile - flushes a closed file's data (fsync), so that a rename after it never
  installs a file whose data is not on the disk yet.

  Not collective.

  Input Parameter:
. path - the file

.seealso: GCVAESyncDirectory()
@*/
PetscErrorCode GCVAESyncFile(const char path[])
{
  int fd = open(path, O_RDONLY);
  int err;

  PetscFunctionBegin;
  PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s to flush it to the disk: %s", path, strerror(errno));
  err = fsync(fd) ? errno : 0;
  (void)close(fd);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot flush %s to the disk: %s", path, strerror(err));
  PetscFunctionReturn(0);
}

/*@C
  GCVAESyncDirectory - best effort fsync of the directory holding path, so that a rename
  into it survives a power cut (a kill needs no such thing: the kernel has the rename).
  Errors are ignored: some file systems cannot fsync a directory, and the file itself is
  complete either way.

  Not collective.

  Input Parameter:
. path - a file in the directory

.seealso: GCVAESyncFile()
@*/
PetscErrorCode GCVAESyncDirectory(const char path[])
{
  char dir[PETSC_MAX_PATH_LEN];
  int  fd;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(dir, path, sizeof(dir)));
  fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    (void)fsync(fd);
    (void)close(fd);
  }
  PetscFunctionReturn(0);
}
