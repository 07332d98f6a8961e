/* Helpers of the tests in tests/nn/ (see gradcheck.h). */
#include <math.h>
#include <stdio.h>
#include "gradcheck.h"

static uint64_t rng_state = 1;
static int      nfail     = 0;

void gc_seed(uint64_t seed)
{
  rng_state = seed;
}

/* splitmix64 */
static uint64_t next_u64(void)
{
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double gc_uniform(double lo, double hi)
{
  double u = (double)(next_u64() >> 40) / (double)(1ull << 24); /* 24 bits: exact in float */
  return (double)(float)(lo + (hi - lo) * u);
}

PetscErrorCode gc_random(size_t N, double lo, double hi, nnreal **x)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(N, x));
  for (size_t i = 0; i < N; i++) (*x)[i] = (nnreal)gc_uniform(lo, hi);
  PetscFunctionReturn(0);
}

PetscErrorCode gc_grad(size_t N, nnreal **g)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(N, g));
  for (size_t i = 0; i < N; i++) (*g)[i] = (nnreal)GC_PREFILL;
  PetscFunctionReturn(0);
}

double gc_dot(const nnreal *a, const nnreal *b, size_t N)
{
  double s = 0;
  for (size_t i = 0; i < N; i++) s += (double)a[i] * b[i];
  return s;
}

double gc_max(double a, double b)
{
  return (isnan(a) || isnan(b)) ? NAN : fmax(a, b);
}

double gc_check(const char *name, nnreal *x, size_t N, const nnreal *grad, GCLoss loss, void *ctx)
{
  double maxerr = 0, maxg = 0;
  for (size_t i = 0; i < N; i++) {
    nnreal xi = x[i];
    x[i]      = xi + (nnreal)GC_STEP;
    double lp = loss(ctx);
    x[i]      = xi - (nnreal)GC_STEP;
    double lm = loss(ctx);
    x[i]      = xi;
    double fd = (lp - lm) / (2 * GC_STEP), g = (double)grad[i] - GC_PREFILL;
    double err = fabs(g - fd) / fmax(fmax(fabs(g), fabs(fd)), GC_FLOOR);
    maxerr     = gc_max(maxerr, err);
    maxg       = gc_max(maxg, fabs(g));
  }
  int bad = !(maxerr < GC_TOL) || maxg == 0; /* an all-zero gradient is a broken test */
  printf("  d%-8s %4zu values  max |g| %.2e  max rel err %.2e%s\n", name, N, maxg, maxerr, bad ? "  FAIL" : "");
  nfail += bad;
  return maxerr;
}

void gc_expect(const char *what, double err, double tol)
{
  int bad = !(err <= tol);
  printf("  %-40s %.2e (tol %.0e)%s\n", what, err, tol, bad ? "  FAIL" : "");
  nfail += bad;
}

void gc_expect_min(const char *what, double value, double min)
{
  int bad = !(value >= min);
  printf("  %-40s %.2e (min %.0e)%s\n", what, value, min, bad ? "  FAIL" : "");
  nfail += bad;
}

int gc_failures(void)
{
  return nfail;
}
