/* Shared by the tests in tests/nn/: a seeded generator and the finite-difference check.
   Each gradient test builds a scalar loss L = <dout, forward(...)> with a random upstream
   gradient dout, runs the layer's backward with dout, and compares every analytic
   gradient entry with the central difference (L(x + h) - L(x - h)) / 2h, in double. */
#ifndef GCVAE_TESTS_NN_GRADCHECK_H
#define GCVAE_TESTS_NN_GRADCHECK_H

#include <stdint.h>
#include <gcvae_nn.h>

#define GC_STEP    1e-5  /* central-difference step h */
#define GC_TOL     1e-6  /* pass: max relative error below this */
#define GC_FLOOR   1e-3  /* relative error = |g - fd| / max(|g|, |fd|, GC_FLOOR) */
#define GC_PREFILL 0.375 /* gradients start at this value, to check that backward accumulates */

typedef double (*GCLoss)(void *ctx);

void           gc_seed(uint64_t seed);
double         gc_uniform(double lo, double hi); /* float-representable, so both precisions see the same inputs */
PetscErrorCode gc_random(size_t N, double lo, double hi, nnreal **x);
PetscErrorCode gc_grad(size_t N, nnreal **g); /* gradient buffer prefilled with GC_PREFILL */
double         gc_dot(const nnreal *a, const nnreal *b, size_t N);
double         gc_max(double a, double b); /* max that keeps a NaN (fmax drops it) */
/* Max relative error of grad (N, less GC_PREFILL) against central differences of
   loss(ctx) in x; prints it and counts a failure above GC_TOL. */
double gc_check(const char *name, nnreal *x, size_t N, const nnreal *grad, GCLoss loss, void *ctx);
/* Prints a named check of a value against a tolerance and counts a failure above it. */
void gc_expect(const char *what, double err, double tol);
/* The same for a value that must be at least min. */
void gc_expect_min(const char *what, double value, double min);
int  gc_failures(void);

#endif
