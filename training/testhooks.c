/* Test hooks of the tools (training/checkpoint.h): deterministic kill points and a hold
   before a rename, driven by environment variables that only the tests set. They exist
   so that tests/train_e2e.sh and tests/datagen_inputs.sh kill a run at an exact point
   instead of after a sleep, which could land anywhere (the flaky resume test). */
#include <petscsys.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "checkpoint.h"

static const char *const KillPoints[] = {"datagen_sample", "ckpt_partial", "ckpt_written"};

PetscErrorCode GCVAETestKillPoint(const char point[], PetscInt k)
{
  const char *env = getenv("GCVAE_TEST_KILL");
  const char *colon;
  char       *end = NULL;
  long        K;
  PetscBool   known = PETSC_FALSE;

  PetscFunctionBegin;
  if (!env || !env[0]) PetscFunctionReturn(0);
  colon = strchr(env, ':');
  if (colon)
    for (size_t i = 0; i < sizeof(KillPoints) / sizeof(KillPoints[0]); i++) known = (PetscBool)(known || ((size_t)(colon - env) == strlen(KillPoints[i]) && !strncmp(env, KillPoints[i], (size_t)(colon - env))));
  K = colon ? strtol(colon + 1, &end, 10) : 0;
  /* a typo must not pass as "the run was not killed" */
  PetscCheck(known && *end == 0 && K > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "GCVAE_TEST_KILL=%s: use datagen_sample:K, ckpt_partial:K or ckpt_written:K with K > 0 (a test hook)", env);
  if ((size_t)(colon - env) == strlen(point) && !strncmp(env, point, strlen(point)) && K == (long)k) {
    (void)fflush(stdout);
    (void)raise(SIGKILL);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAETestHold(void)
{
  const char *file = getenv("GCVAE_TEST_HOLD");

  PetscFunctionBegin;
  if (!file || !file[0]) PetscFunctionReturn(0);
  for (int i = 0; access(file, F_OK); i++) {
    PetscCheck(i < 30000, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "GCVAE_TEST_HOLD=%s: the file did not appear in 300 s (a test hook)", file);
    (void)usleep(10000);
  }
  PetscFunctionReturn(0);
}
