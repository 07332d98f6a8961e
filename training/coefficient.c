/* The random positive coefficient f = exp(p) shared by both families. */
#include "family.h"

PetscInt GCVAECoeffCount(PetscInt degree)
{
  return (degree + 1) * (degree + 2) / 2;
}

/* x^a, with 0 for a < 0 (so derivative formulas need no special cases) */
static inline PetscReal Pow(PetscReal x, PetscInt a)
{
  return a < 0 ? 0 : PetscPowRealInt(x, a);
}

/* p(x) and, where the pointers are not NULL, its gradient and Laplacian. Monomials
   x^a y^b by total degree s = a + b, and within a degree by decreasing a:
   1, x, y, x^2, xy, y^2, ... */
PetscReal GCVAECoeffPoly(PetscInt degree, const PetscReal c[], const PetscReal x[], PetscReal grad[], PetscReal *lap)
{
  PetscReal p = 0, px = 0, py = 0, l = 0;
  PetscInt  k = 0;

  for (PetscInt s = 0; s <= degree; s++)
    for (PetscInt a = s; a >= 0; a--, k++) {
      const PetscInt b = s - a;
      p += c[k] * Pow(x[0], a) * Pow(x[1], b);
      px += c[k] * a * Pow(x[0], a - 1) * Pow(x[1], b);
      py += c[k] * b * Pow(x[0], a) * Pow(x[1], b - 1);
      l += c[k] * (a * (a - 1) * Pow(x[0], a - 2) * Pow(x[1], b) + b * (b - 1) * Pow(x[0], a) * Pow(x[1], b - 2));
    }
  if (grad) {
    grad[0] = px;
    grad[1] = py;
  }
  if (lap) *lap = l;
  return p;
}

PetscReal GCVAECoeffEval(PetscInt numConstants, const PetscScalar constants[], const PetscReal x[], PetscReal gradp[], PetscReal *lapp)
{
  const PetscInt degree = (PetscInt)PetscRealPart(constants[0]);
  PetscReal      c[GCVAE_COEFF_MAX_COUNT];

  for (PetscInt k = 0; k < numConstants - 1; k++) c[k] = PetscRealPart(constants[k + 1]);
  return PetscExpReal(GCVAECoeffPoly(degree, c, x, gradp, lapp));
}

PetscErrorCode GCVAEFamilySetCoefficient(DM dm, PetscInt degree, const PetscReal c[])
{
  PetscDS        ds;
  PetscScalar    constants[1 + GCVAE_COEFF_MAX_COUNT];
  const PetscInt nc = GCVAECoeffCount(degree);

  PetscFunctionBegin;
  PetscCheck(degree >= 0 && degree <= GCVAE_COEFF_MAX_DEGREE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Coefficient degree %" PetscInt_FMT " outside [0, %d]", degree, GCVAE_COEFF_MAX_DEGREE);
  constants[0] = degree;
  for (PetscInt k = 0; k < nc; k++) constants[k + 1] = c[k];
  PetscCall(DMGetDS(dm, &ds));
  PetscCall(PetscDSSetConstants(ds, nc + 1, constants));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAECoeffRandom(PetscRandom rnd, PetscInt degree, PetscReal cmin, PetscReal cmax, PetscReal c[])
{
  const PetscInt G = 101, nc = GCVAECoeffCount(degree);
  PetscReal      lo, hi, u, contrast;

  PetscFunctionBegin;
  PetscCheck(degree >= 1 && degree <= GCVAE_COEFF_MAX_DEGREE, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Coefficient degree %" PetscInt_FMT " outside [1, %d]", degree, GCVAE_COEFF_MAX_DEGREE);
  PetscCheck(cmin >= 1 && cmax >= cmin, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Coefficient contrast range [%g, %g] must satisfy 1 <= min <= max", (double)cmin, (double)cmax);
  do {
    c[0] = 0;
    for (PetscInt k = 1; k < nc; k++) {
      PetscCall(PetscRandomGetValueReal(rnd, &u));
      c[k] = 2 * u - 1;
    }
    lo = PETSC_MAX_REAL;
    hi = PETSC_MIN_REAL;
    for (PetscInt i = 0; i < G; i++)
      for (PetscInt j = 0; j < G; j++) {
        const PetscReal x[2] = {(PetscReal)i / (G - 1), (PetscReal)j / (G - 1)};
        const PetscReal p    = GCVAECoeffPoly(degree, c, x, NULL, NULL);
        lo                   = PetscMin(lo, p);
        hi                   = PetscMax(hi, p);
      }
  } while (hi - lo < 1e-3); /* a (nearly) constant draw cannot be scaled to a contrast */
  PetscCall(PetscRandomGetValueReal(rnd, &u));
  contrast = PetscExpReal(PetscLogReal(cmin) + u * (PetscLogReal(cmax) - PetscLogReal(cmin)));
  for (PetscInt k = 1; k < nc; k++) c[k] *= PetscLogReal(contrast) / (hi - lo);
  c[0] = -lo * PetscLogReal(contrast) / (hi - lo);
  PetscFunctionReturn(0);
}
