static char help[] = "3-D Poisson -div(k grad u) = 1 on the unit cube, u = 0 on its boundary, 7-point finite\n"
                     "differences on a DMDA (the interior nodes; a family the shipped models were not trained\n"
                     "on), solved for -nsolves coefficients k in a row with one KSP, as a parameter sweep or time\n"
                     "loop would: the matrix changes each time, its pattern does not.\n"
                     "  -m M            interior nodes per side (16: n = M^3)\n"
                     "  -contrast C     max k / min k of each coefficient (1e3)\n"
                     "  -coeff_seed S   seed of the first coefficient; solve j uses S + j (1)\n"
                     "  -nsolves K      coefficients solved in a row (1)\n"
                     "  -table          one line per solve: seed, iterations, PCSetUp ms, KSPSolve ms\n"
                     "k = exp(p), p a sum of 8 random Fourier modes of wave numbers 1..3 scaled to [0, log C].\n"
                     "The KSP is CG, rtol 1e-5 in the unpreconditioned norm, unless options say otherwise; with\n"
                     "-pc_type gcvae -pc_gcvae_record DIR it saves every matrix for training (tutorials/ex3.sh).\n";

/* The coefficient: p(x) = sum_q a_q cos(pi (w_q . x) + phi_q), then affinely mapped to [0, log C]
   over the cell-face midpoints where it is sampled. Face coefficients are k at the face midpoint,
   so A is an irreducibly diagonally dominant M-matrix (SPD). */
#include <petscdmda.h>
#include <petscksp.h>

#define NMODES 8

typedef struct {
  PetscReal a[NMODES], w[NMODES][3], phi[NMODES];
  PetscReal lo, hi, logc; /* p's range over the samples and the target range [0, logc] */
} Coeff;

static PetscReal CoeffP(const Coeff *c, PetscReal x, PetscReal y, PetscReal z)
{
  PetscReal p = 0;
  for (int q = 0; q < NMODES; q++) p += c->a[q] * PetscCosReal(PETSC_PI * (c->w[q][0] * x + c->w[q][1] * y + c->w[q][2] * z) + c->phi[q]);
  return p;
}

static PetscReal CoeffK(const Coeff *c, PetscReal x, PetscReal y, PetscReal z)
{
  const PetscReal p = CoeffP(c, x, y, z);
  return PetscExpReal(c->hi > c->lo ? (p - c->lo) / (c->hi - c->lo) * c->logc : 0);
}

static PetscErrorCode CoeffCreate(PetscInt seed, PetscReal contrast, PetscInt m, Coeff *c)
{
  PetscRandom r;
  PetscReal   h = 1.0 / (m + 1);

  PetscFunctionBeginUser;
  PetscCall(PetscRandomCreate(PETSC_COMM_SELF, &r)); /* the same on every process */
  PetscCall(PetscRandomSetType(r, PETSCRAND48));
  PetscCall(PetscRandomSetSeed(r, (unsigned long)(1000 + seed)));
  PetscCall(PetscRandomSeed(r));
  for (int q = 0; q < NMODES; q++) {
    PetscReal v;
    PetscCall(PetscRandomGetValueReal(r, &v));
    c->a[q] = 2 * v - 1;
    for (int d = 0; d < 3; d++) {
      PetscCall(PetscRandomGetValueReal(r, &v));
      c->w[q][d] = PetscFloorReal(1 + 3 * v); /* 1, 2 or 3 */
    }
    PetscCall(PetscRandomGetValueReal(r, &v));
    c->phi[q] = 2 * PETSC_PI * v;
  }
  PetscCall(PetscRandomDestroy(&r));
  c->lo   = PETSC_MAX_REAL;
  c->hi   = PETSC_MIN_REAL;
  c->logc = PetscLogReal(contrast);
  /* the range over a grid of half steps: every face midpoint the assembly samples */
  for (PetscInt i = 1; i <= 2 * m + 1; i++)
    for (PetscInt j = 1; j <= 2 * m + 1; j++)
      for (PetscInt k = 1; k <= 2 * m + 1; k++) {
        const PetscReal p = CoeffP(c, 0.5 * i * h, 0.5 * j * h, 0.5 * k * h);
        c->lo             = PetscMin(c->lo, p);
        c->hi             = PetscMax(c->hi, p);
      }
  PetscFunctionReturn(0);
}

/* A: row of node (i, j, k) = sum of its 6 face coefficients on the diagonal, -k_face to each
   interior neighbour (a boundary neighbour is u = 0: its column is not there) */
static PetscErrorCode Assemble(DM da, const Coeff *c, Mat A)
{
  DMDALocalInfo info;
  PetscReal     h;

  PetscFunctionBeginUser;
  PetscCall(DMDAGetLocalInfo(da, &info));
  h = 1.0 / (info.mx + 1);
  for (PetscInt k = info.zs; k < info.zs + info.zm; k++)
    for (PetscInt j = info.ys; j < info.ys + info.ym; j++)
      for (PetscInt i = info.xs; i < info.xs + info.xm; i++) {
        MatStencil      row = {.k = k, .j = j, .i = i}, col[7];
        PetscScalar     v[7], diag = 0;
        PetscInt        nc = 0;
        const PetscReal x = (i + 1) * h, y = (j + 1) * h, z = (k + 1) * h;
        const PetscInt  d[6][3] = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
        for (int f = 0; f < 6; f++) {
          const PetscReal kf = CoeffK(c, x + 0.5 * h * d[f][0], y + 0.5 * h * d[f][1], z + 0.5 * h * d[f][2]);
          const PetscInt  ii = i + d[f][0], jj = j + d[f][1], kk = k + d[f][2];
          diag += kf;
          if (ii < 0 || jj < 0 || kk < 0 || ii >= info.mx || jj >= info.my || kk >= info.mz) continue;
          col[nc].i = ii;
          col[nc].j = jj;
          col[nc].k = kk;
          v[nc++]   = -kf;
        }
        col[nc] = row;
        v[nc++] = diag;
        PetscCall(MatSetValuesStencil(A, 1, &row, nc, col, v, INSERT_VALUES));
      }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  DM             da;
  Mat            A;
  Vec            x, b;
  KSP            ksp;
  PC             pc;
  PetscInt       m = 16, seed = 1, nsolves = 1, its_sum = 0;
  PetscReal      contrast = 1e3, setup_sum = 0, solve_sum = 0;
  PetscBool      table = PETSC_FALSE;
  const char    *pctype;
  PetscLogDouble t0, t1, t2;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "ex3 options", NULL);
  PetscCall(PetscOptionsInt("-m", "interior nodes per side", "ex3.c", m, &m, NULL));
  PetscCall(PetscOptionsReal("-contrast", "max k / min k", "ex3.c", contrast, &contrast, NULL));
  PetscCall(PetscOptionsInt("-coeff_seed", "seed of the first coefficient", "ex3.c", seed, &seed, NULL));
  PetscCall(PetscOptionsInt("-nsolves", "coefficients solved in a row", "ex3.c", nsolves, &nsolves, NULL));
  PetscCall(PetscOptionsBool("-table", "one line per solve", "ex3.c", table, &table, NULL));
  PetscOptionsEnd();
  PetscCheck(m >= 2, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-m %" PetscInt_FMT " must be >= 2", m);
  PetscCheck(contrast >= 1, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-contrast %g must be >= 1", (double)contrast);
  PetscCheck(nsolves >= 1, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-nsolves %" PetscInt_FMT " must be >= 1", nsolves);
  PetscCall(DMDACreate3d(PETSC_COMM_WORLD, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, m, m, m, PETSC_DECIDE, PETSC_DECIDE, PETSC_DECIDE, 1, 1, NULL, NULL, NULL, &da));
  PetscCall(DMSetMatType(da, MATAIJ));
  PetscCall(DMSetFromOptions(da));
  PetscCall(DMSetUp(da));
  PetscCall(DMCreateMatrix(da, &A));
  PetscCall(DMCreateGlobalVector(da, &b));
  PetscCall(VecDuplicate(b, &x));
  PetscCall(VecSet(b, 1.0 / ((m + 1.0) * (m + 1.0)))); /* h^2 f, f = 1 */
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetTolerances(ksp, 1e-5, PETSC_DEFAULT, PETSC_DEFAULT, 20000));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCJACOBI));
  PetscCall(KSPSetFromOptions(ksp));
  if (table) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "seed  its  setup_ms  solve_ms\n"));
  for (PetscInt s = 0; s < nsolves; s++) {
    Coeff              c;
    PetscInt           its;
    KSPConvergedReason reason;

    PetscCall(PetscMemzero(&c, sizeof(c)));
    PetscCall(CoeffCreate(seed + s, contrast, m, &c));
    PetscCall(Assemble(da, &c, A));
    PetscCall(KSPSetOperators(ksp, A, A));
    PetscCall(VecZeroEntries(x));
    PetscCall(PetscTime(&t0));
    PetscCall(KSPSetUp(ksp)); /* PCSetUp: a new matrix, so the PC sets up again */
    PetscCall(PetscTime(&t1));
    PetscCall(KSPSolve(ksp, b, x));
    PetscCall(PetscTime(&t2));
    PetscCall(KSPGetIterationNumber(ksp, &its));
    PetscCall(KSPGetConvergedReason(ksp, &reason));
    PetscCheck(reason > 0, PETSC_COMM_WORLD, PETSC_ERR_NOT_CONVERGED, "CG did not converge for coefficient seed %" PetscInt_FMT ": %s", seed + s, KSPConvergedReasons[reason]);
    if (table) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%4" PetscInt_FMT " %4" PetscInt_FMT " %9.3f %9.3f\n", seed + s, its, 1e3 * (t1 - t0), 1e3 * (t2 - t1)));
    its_sum += its;
    setup_sum += t1 - t0;
    solve_sum += t2 - t1;
  }
  PetscCall(PCGetType(pc, &pctype));
  if (table) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "n %" PetscInt_FMT ", PC %s: %" PetscInt_FMT " solves, mean %.1f iterations, setup %.3f ms, solve %.3f ms, total %.3f ms\n", m * m * m, pctype, nsolves, (double)its_sum / nsolves, 1e3 * setup_sum / nsolves, 1e3 * solve_sum / nsolves, 1e3 * (setup_sum + solve_sum) / nsolves));
  else if (nsolves == 1) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "n %" PetscInt_FMT ", PC %s: CG converged in %" PetscInt_FMT " iterations\n", m * m * m, pctype, its_sum));
  else PetscCall(PetscPrintf(PETSC_COMM_WORLD, "n %" PetscInt_FMT ", PC %s: %" PetscInt_FMT " solves, mean %.1f CG iterations\n", m * m * m, pctype, nsolves, (double)its_sum / nsolves));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(DMDestroy(&da));
  PetscCall(PetscFinalize());
  return 0;
}

/*TEST

  test:
    suffix: jacobi
    args: -m 12
    # CG counts move with rounding (BLAS kernels per CPU): a band of +-1 (tutorials/itsband.sh)
    filter: bash tutorials/itsband.sh 46 48

  test:
    suffix: gcvae
    args: -m 12 -dll_append lib/libpcgcvae.so -pc_type gcvae -pc_gcvae_model models/poisson.bin
    # the shipped 2-D Poisson model on this 3-D family: a band of +-2 (float network, BLAS kernels)
    filter: bash tutorials/itsband.sh 19 23

TEST*/
