/* Datasets of one matrix family on one mesh: the HDF5 layout of doc/design.md section 5
   (documented in include/gcvae.h). Plain HDF5 C API: the layout is ours, not a
   PetscViewerHDF5 Vec layout, and one sample is one hyperslab row. */
#include <gcvae.h>
#include <hdf5.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

struct _n_GCVAEDataset {
  char               path[PETSC_MAX_PATH_LEN];
  hid_t              file;            /* open read-only */
  GCVAEDatasetHeader hdr;
  PetscInt          *rowptr, *colind; /* shared pattern [n+1], [nnz] */
  PetscInt          *perm;            /* RCM: new index -> natural dof [n] */
  PetscInt           nsplit[2];       /* number of train / test samples */
  PetscInt          *split[2];        /* their indices */
};

struct _n_GCVAEDatasetWriter {
  char               path[PETSC_MAX_PATH_LEN]; /* final name */
  char               tmp[PETSC_MAX_PATH_LEN];  /* this process's temporary, renamed on finish */
  hid_t              file;
  GCVAEDatasetHeader hdr;
  PetscBool         *written; /* which samples have been added */
};

#define H5Call(call, what, path) \
  do { \
    if ((call) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "HDF5 failed to %s in %s", what, path); \
  } while (0)

/* ---- attributes ---- */
static PetscErrorCode WriteAttrInt(hid_t f, const char name[], PetscInt v, const char path[])
{
  long long x = v;
  hid_t     s, a;

  PetscFunctionBegin;
  s = H5Screate(H5S_SCALAR);
  a = H5Acreate2(f, name, H5T_NATIVE_LLONG, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Call(a, "create attribute", path);
  H5Call(H5Awrite(a, H5T_NATIVE_LLONG, &x), "write attribute", path);
  H5Aclose(a);
  H5Sclose(s);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttrReal(hid_t f, const char name[], PetscReal v, const char path[])
{
  double x = v;
  hid_t  s, a;

  PetscFunctionBegin;
  s = H5Screate(H5S_SCALAR);
  a = H5Acreate2(f, name, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Call(a, "create attribute", path);
  H5Call(H5Awrite(a, H5T_NATIVE_DOUBLE, &x), "write attribute", path);
  H5Aclose(a);
  H5Sclose(s);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttrString(hid_t f, const char name[], const char v[], const char path[])
{
  hid_t s, t, a;

  PetscFunctionBegin;
  s = H5Screate(H5S_SCALAR);
  t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(v) + 1);
  a = H5Acreate2(f, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Call(a, "create attribute", path);
  H5Call(H5Awrite(a, t, v), "write attribute", path);
  H5Aclose(a);
  H5Tclose(t);
  H5Sclose(s);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAttrInt(hid_t f, const char name[], PetscInt *v, const char path[])
{
  long long x;
  hid_t     a;

  PetscFunctionBegin;
  PetscCheck(H5Aexists(f, name) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has no attribute '%s': not a PCGCVAE dataset or a corrupt one", path, name);
  a = H5Aopen(f, name, H5P_DEFAULT);
  H5Call(a, "open attribute", path);
  H5Call(H5Aread(a, H5T_NATIVE_LLONG, &x), "read attribute", path);
  H5Aclose(a);
  PetscCheck(x >= PETSC_MIN_INT && x <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: attribute '%s' = %lld does not fit a PetscInt", path, name, x);
  *v = (PetscInt)x;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAttrReal(hid_t f, const char name[], PetscReal *v, const char path[])
{
  double x;
  hid_t  a;

  PetscFunctionBegin;
  PetscCheck(H5Aexists(f, name) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has no attribute '%s'", path, name);
  a = H5Aopen(f, name, H5P_DEFAULT);
  H5Call(a, "open attribute", path);
  H5Call(H5Aread(a, H5T_NATIVE_DOUBLE, &x), "read attribute", path);
  H5Aclose(a);
  *v = x;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAttrString(hid_t f, const char name[], char v[], size_t len, const char path[])
{
  hid_t  a, t, mt;
  size_t sz;

  PetscFunctionBegin;
  PetscCheck(H5Aexists(f, name) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has no attribute '%s'", path, name);
  a  = H5Aopen(f, name, H5P_DEFAULT);
  t  = H5Aget_type(a);
  sz = H5Tget_size(t);
  PetscCheck(H5Tget_class(t) == H5T_STRING && sz < len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: attribute '%s' is not a string of fewer than %zu characters", path, name, len);
  mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, sz);
  H5Call(H5Aread(a, mt, v), "read attribute", path);
  v[sz] = 0;
  H5Tclose(mt);
  H5Tclose(t);
  H5Aclose(a);
  PetscFunctionReturn(0);
}

/* ---- whole datasets ---- */
static PetscErrorCode WriteInts(hid_t g, const char name[], PetscInt len, const PetscInt v[], const char path[])
{
  hsize_t dims = (hsize_t)len;
  int    *buf;
  hid_t   s, d;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(len + 1, &buf));
  for (PetscInt i = 0; i < len; i++) buf[i] = (int)v[i];
  hid_t p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(p, 0); /* no timestamps: the same seed gives byte-identical files */
  s = H5Screate_simple(1, &dims, NULL);
  d = H5Dcreate2(g, name, H5T_STD_I32LE, s, H5P_DEFAULT, p, H5P_DEFAULT);
  H5Pclose(p);
  H5Call(d, "create dataset", path);
  if (len) H5Call(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "write dataset", path);
  H5Dclose(d);
  H5Sclose(s);
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadInts(hid_t g, const char name[], PetscInt len, PetscInt **v, const char path[])
{
  hid_t   d, s;
  hsize_t dims[2];
  int    *buf;

  PetscFunctionBegin;
  PetscCheck(H5Lexists(g, name, H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has no '%s'", path, name);
  d = H5Dopen2(g, name, H5P_DEFAULT);
  H5Call(d, "open dataset", path);
  s = H5Dget_space(d);
  PetscCheck(H5Sget_simple_extent_ndims(s) == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: '%s' is not one-dimensional", path, name);
  H5Sget_simple_extent_dims(s, dims, NULL);
  PetscCheck(len < 0 || (PetscInt)dims[0] == len, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: '%s' has %llu entries, expected %" PetscInt_FMT, path, name, (unsigned long long)dims[0], len);
  len = (PetscInt)dims[0];
  PetscCall(PetscMalloc1(len + 1, &buf));
  PetscCall(PetscMalloc1(len + 1, v));
  if (len) H5Call(H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "read dataset", path);
  for (PetscInt i = 0; i < len; i++) (*v)[i] = buf[i];
  PetscCall(PetscFree(buf));
  H5Sclose(s);
  H5Dclose(d);
  PetscFunctionReturn(0);
}

/* Read row `sample` of a 2D (or 3D, flattened) dataset of `rowlen` entries. */
static PetscErrorCode ReadRow(hid_t f, const char name[], PetscInt sample, PetscInt nsamples, PetscInt rowlen, hid_t memtype, void *buf, const char path[])
{
  hid_t   d, s, m;
  hsize_t dims[3], start[3] = {0, 0, 0}, count[3];
  int     nd;
  hsize_t total = 1;

  PetscFunctionBegin;
  PetscCheck(sample >= 0 && sample < nsamples, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Sample %" PetscInt_FMT " out of range [0, %" PetscInt_FMT ") in %s", sample, nsamples, path);
  PetscCheck(H5Lexists(f, name, H5P_DEFAULT) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has no '%s'", path, name);
  d  = H5Dopen2(f, name, H5P_DEFAULT);
  H5Call(d, "open dataset", path);
  s  = H5Dget_space(d);
  nd = H5Sget_simple_extent_ndims(s);
  PetscCheck(nd >= 2 && nd <= 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: '%s' has rank %d, expected 2 or 3", path, name, nd);
  H5Sget_simple_extent_dims(s, dims, NULL);
  for (int k = 1; k < nd; k++) total *= dims[k];
  PetscCheck((PetscInt)dims[0] == nsamples && (PetscInt)total == rowlen, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: '%s' has the wrong shape", path, name);
  start[0] = (hsize_t)sample;
  count[0] = 1;
  for (int k = 1; k < nd; k++) count[k] = dims[k];
  H5Call(H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, count, NULL), "select sample", path);
  m = H5Screate_simple(nd, count, NULL);
  H5Call(H5Dread(d, memtype, m, s, H5P_DEFAULT, buf), "read sample", path);
  H5Sclose(m);
  H5Sclose(s);
  H5Dclose(d);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteRow(hid_t f, const char name[], PetscInt sample, hid_t memtype, const void *buf, const char path[])
{
  hid_t   d, s, m;
  hsize_t dims[3], start[3] = {0, 0, 0}, count[3];
  int     nd;

  PetscFunctionBegin;
  d  = H5Dopen2(f, name, H5P_DEFAULT);
  H5Call(d, "open dataset", path);
  s  = H5Dget_space(d);
  nd = H5Sget_simple_extent_ndims(s);
  H5Sget_simple_extent_dims(s, dims, NULL);
  start[0] = (hsize_t)sample;
  count[0] = 1;
  for (int k = 1; k < nd; k++) count[k] = dims[k];
  H5Call(H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, count, NULL), "select sample", path);
  m = H5Screate_simple(nd, count, NULL);
  H5Call(H5Dwrite(d, memtype, m, s, H5P_DEFAULT, buf), "write sample", path);
  H5Sclose(m);
  H5Sclose(s);
  H5Dclose(d);
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateSampleDataset(hid_t f, const char name[], int nd, const hsize_t dims[], hid_t type, const char path[])
{
  hid_t   s, p, d;
  hsize_t chunk[3];

  PetscFunctionBegin;
  chunk[0] = 1; /* one sample per chunk: samples are written and read one at a time */
  for (int k = 1; k < nd; k++) chunk[k] = dims[k] ? dims[k] : 1;
  s = H5Screate_simple(nd, dims, NULL);
  p = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_obj_track_times(p, 0);
  if (dims[0] > 0) H5Pset_chunk(p, nd, chunk);
  d = H5Dcreate2(f, name, type, s, H5P_DEFAULT, p, H5P_DEFAULT);
  H5Call(d, "create dataset", path);
  H5Dclose(d);
  H5Pclose(p);
  H5Sclose(s);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- writer */
PetscErrorCode GCVAEDatasetWriterCreate(const char path[], const GCVAEDatasetHeader *hdr, const PetscInt rowptr[], const PetscInt colind[], const PetscInt perm[], const PetscReal coords[], GCVAEDatasetWriter *w)
{
  GCVAEDatasetWriter ww;
  hid_t              f;
  hsize_t            dims[3];
  const PetscInt     N = hdr->nsamples;

  PetscFunctionBegin;
  PetscCheck(hdr->n > 0 && hdr->nnz > 0 && N > 0 && hdr->image_size > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Dataset header needs n, nnz, nsamples and image_size > 0");
  PetscCheck(rowptr[hdr->n] == hdr->nnz, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "Pattern has %" PetscInt_FMT " entries, header says nnz = %" PetscInt_FMT, rowptr[hdr->n], hdr->nnz);
  PetscCall(PetscNew(&ww));
  ww->hdr  = *hdr;
  ww->file = -1;
  PetscCall(PetscStrncpy(ww->path, path, sizeof(ww->path)));
  /* unique per process: two runs writing one path must not share (and break) one temporary */
  PetscCall(GCVAETempName(path, ww->tmp, sizeof(ww->tmp)));
  PetscCall(PetscCalloc1(N, &ww->written));
  /* Silence HDF5's own stack printout: our error says what failed. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, 0);
    f = H5Fcreate(ww->tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
  }
  if (f < 0) {
    PetscCall(PetscFree(ww->written));
    PetscCall(PetscFree(ww));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot create dataset file %s (is the directory there and writable?)", path);
  }
  ww->file = f;
  PetscCall(WriteAttrInt(f, "format_version", GCVAE_DATASET_FORMAT_VERSION, path));
  PetscCall(WriteAttrString(f, "family", hdr->family, path));
  PetscCall(WriteAttrString(f, "mesh", hdr->mesh, path));
  PetscCall(WriteAttrInt(f, "refine", hdr->refine, path));
  PetscCall(WriteAttrInt(f, "n", hdr->n, path));
  PetscCall(WriteAttrInt(f, "nnz", hdr->nnz, path));
  PetscCall(WriteAttrInt(f, "nsamples", N, path));
  PetscCall(WriteAttrInt(f, "seed", hdr->seed, path));
  PetscCall(WriteAttrInt(f, "ncoeffs", hdr->ncoeffs, path));
  PetscCall(WriteAttrInt(f, "degree", hdr->degree, path));
  PetscCall(WriteAttrInt(f, "image_size", hdr->image_size, path));
  PetscCall(WriteAttrString(f, "image", hdr->image[0] ? hdr->image : "dense", path));
  PetscCall(WriteAttrReal(f, "contrast_min", hdr->contrast_min, path));
  PetscCall(WriteAttrReal(f, "contrast_max", hdr->contrast_max, path));
  PetscCall(WriteAttrReal(f, "sigma", hdr->sigma, path));
  PetscCall(WriteInts(f, "rowptr", hdr->n + 1, rowptr, path));
  PetscCall(WriteInts(f, "colind", hdr->nnz, colind, path));
  PetscCall(WriteInts(f, "perm", hdr->n, perm, path));
  dims[0] = (hsize_t)hdr->n;
  dims[1] = 2;
  {
    hid_t s = H5Screate_simple(2, dims, NULL), p = H5Pcreate(H5P_DATASET_CREATE), d;
    H5Pset_obj_track_times(p, 0);
    d = H5Dcreate2(f, "coords", H5T_IEEE_F64LE, s, H5P_DEFAULT, p, H5P_DEFAULT);
    H5Pclose(p);
    H5Call(d, "create dataset", path);
    H5Call(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, coords), "write coords", path);
    H5Dclose(d);
    H5Sclose(s);
  }
  dims[0] = (hsize_t)N;
  dims[1] = (hsize_t)hdr->nnz;
  PetscCall(CreateSampleDataset(f, "values", 2, dims, H5T_IEEE_F64LE, path));
  dims[1] = (hsize_t)hdr->ncoeffs;
  PetscCall(CreateSampleDataset(f, "coeffs", 2, dims, H5T_IEEE_F64LE, path));
  dims[1] = dims[2] = (hsize_t)hdr->image_size;
  PetscCall(CreateSampleDataset(f, "inv_image", 3, dims, H5T_IEEE_F32LE, path));
  *w = ww;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetWriterAddSample(GCVAEDatasetWriter w, PetscInt i, const PetscScalar values[], const PetscReal coeffs[], const float image[])
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < w->hdr.nsamples, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Sample %" PetscInt_FMT " out of range [0, %" PetscInt_FMT ")", i, w->hdr.nsamples);
  PetscCall(WriteRow(w->file, "values", i, H5T_NATIVE_DOUBLE, values, w->path));
  if (w->hdr.ncoeffs) PetscCall(WriteRow(w->file, "coeffs", i, H5T_NATIVE_DOUBLE, coeffs, w->path));
  PetscCall(WriteRow(w->file, "inv_image", i, H5T_NATIVE_FLOAT, image, w->path));
  w->written[i] = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetWriterFinish(GCVAEDatasetWriter *w, PetscInt ntest, const PetscInt test[])
{
  GCVAEDatasetWriter ww = *w;
  PetscInt           N  = ww->hdr.nsamples, ntrain = 0, *train;
  PetscBool         *istest;
  hid_t              g;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < N; i++) PetscCheck(ww->written[i], PETSC_COMM_SELF, PETSC_ERR_ORDER, "Sample %" PetscInt_FMT " of %s was never written", i, ww->path);
  PetscCall(PetscCalloc1(N, &istest));
  PetscCall(PetscMalloc1(N, &train));
  for (PetscInt k = 0; k < ntest; k++) {
    PetscCheck(test[k] >= 0 && test[k] < N && !istest[test[k]], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Test split index %" PetscInt_FMT " invalid or repeated", test[k]);
    istest[test[k]] = PETSC_TRUE;
  }
  for (PetscInt i = 0; i < N; i++)
    if (!istest[i]) train[ntrain++] = i;
  {
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(p, 0);
    g = H5Gcreate2(ww->file, "split", H5P_DEFAULT, p, H5P_DEFAULT);
    H5Pclose(p);
  }
  H5Call(g, "create group split", ww->path);
  PetscCall(WriteInts(g, "train", ntrain, train, ww->path));
  PetscCall(WriteInts(g, "test", ntest, test, ww->path));
  H5Gclose(g);
  PetscCall(PetscFree(train));
  PetscCall(PetscFree(istest));
  H5Call(H5Fclose(ww->file), "close", ww->path);
  ww->file = -1;
  /* on the disk before the rename, so that the name never points at unwritten data; on an
     error here the caller's GCVAEDatasetWriterAbort removes the temporary */
  PetscCall(GCVAESyncFile(ww->tmp));
  PetscCheck(!rename(ww->tmp, ww->path), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot rename %s to %s: %s", ww->tmp, ww->path, strerror(errno));
  PetscCall(GCVAESyncDirectory(ww->path));
  PetscCall(PetscFree(ww->written));
  PetscCall(PetscFree(*w));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetWriterAbort(GCVAEDatasetWriter *w)
{
  PetscFunctionBegin;
  if (!*w) PetscFunctionReturn(0);
  if ((*w)->file >= 0) H5Fclose((*w)->file);
  (void)unlink((*w)->tmp);
  PetscCall(PetscFree((*w)->written));
  PetscCall(PetscFree(*w));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- reader */
PetscErrorCode GCVAEDatasetOpen(MPI_Comm comm, const char path[], GCVAEDataset *ds)
{
  GCVAEDataset d;
  PetscInt     version;
  PetscBool    exists;
  hid_t        g;

  PetscFunctionBegin;
  PetscCall(PetscTestFile(path, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "Dataset file %s does not exist or is not readable", path);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCheck(H5Fis_hdf5(path) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset file %s is not an HDF5 file", path);
  PetscCall(PetscNew(&d));
  PetscCall(PetscStrncpy(d->path, path, sizeof(d->path)));
  d->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(d->file >= 0, comm, PETSC_ERR_FILE_OPEN, "Cannot open dataset file %s", path);
  PetscCall(ReadAttrInt(d->file, "format_version", &version, path));
  PetscCheck(version == GCVAE_DATASET_FORMAT_VERSION, comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has format version %" PetscInt_FMT "; this build reads version %d", path, version, GCVAE_DATASET_FORMAT_VERSION);
  PetscCall(ReadAttrString(d->file, "family", d->hdr.family, sizeof(d->hdr.family), path));
  PetscCall(ReadAttrString(d->file, "mesh", d->hdr.mesh, sizeof(d->hdr.mesh), path));
  PetscCall(ReadAttrInt(d->file, "refine", &d->hdr.refine, path));
  PetscCall(ReadAttrInt(d->file, "n", &d->hdr.n, path));
  PetscCall(ReadAttrInt(d->file, "nnz", &d->hdr.nnz, path));
  PetscCall(ReadAttrInt(d->file, "nsamples", &d->hdr.nsamples, path));
  PetscCall(ReadAttrInt(d->file, "seed", &d->hdr.seed, path));
  PetscCall(ReadAttrInt(d->file, "ncoeffs", &d->hdr.ncoeffs, path));
  PetscCall(ReadAttrInt(d->file, "degree", &d->hdr.degree, path));
  PetscCall(ReadAttrInt(d->file, "image_size", &d->hdr.image_size, path));
  if (H5Aexists(d->file, "image") > 0) PetscCall(ReadAttrString(d->file, "image", d->hdr.image, sizeof(d->hdr.image), path));
  else PetscCall(PetscStrncpy(d->hdr.image, "dense", sizeof(d->hdr.image))); /* files written before the attribute */
  PetscCall(ReadAttrReal(d->file, "contrast_min", &d->hdr.contrast_min, path));
  PetscCall(ReadAttrReal(d->file, "contrast_max", &d->hdr.contrast_max, path));
  PetscCall(ReadAttrReal(d->file, "sigma", &d->hdr.sigma, path));
  PetscCheck(d->hdr.n > 0 && d->hdr.nnz > 0 && d->hdr.nsamples > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has n, nnz or nsamples <= 0", path);
  PetscCall(ReadInts(d->file, "rowptr", d->hdr.n + 1, &d->rowptr, path));
  PetscCall(ReadInts(d->file, "colind", d->hdr.nnz, &d->colind, path));
  PetscCall(ReadInts(d->file, "perm", d->hdr.n, &d->perm, path));
  PetscCheck(d->rowptr[0] == 0 && d->rowptr[d->hdr.n] == d->hdr.nnz, comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: rowptr does not span [0, nnz]", path);
  for (PetscInt i = 0; i < d->hdr.n; i++) PetscCheck(d->rowptr[i] <= d->rowptr[i + 1], comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: rowptr decreases at row %" PetscInt_FMT, path, i);
  for (PetscInt k = 0; k < d->hdr.nnz; k++) PetscCheck(d->colind[k] >= 0 && d->colind[k] < d->hdr.n, comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: column index %" PetscInt_FMT " out of range", path, d->colind[k]);
  PetscCheck(H5Lexists(d->file, "split", H5P_DEFAULT) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s has no split group (unfinished file?)", path);
  g = H5Gopen2(d->file, "split", H5P_DEFAULT);
  PetscCall(ReadInts(g, "train", -1, &d->split[0], path));
  PetscCall(ReadInts(g, "test", -1, &d->split[1], path));
  {
    hid_t   dd;
    hid_t   s;
    hsize_t dims[1];
    for (int k = 0; k < 2; k++) {
      dd = H5Dopen2(g, k ? "test" : "train", H5P_DEFAULT);
      s  = H5Dget_space(dd);
      H5Sget_simple_extent_dims(s, dims, NULL);
      d->nsplit[k] = (PetscInt)dims[0];
      H5Sclose(s);
      H5Dclose(dd);
      for (PetscInt i = 0; i < d->nsplit[k]; i++) PetscCheck(d->split[k][i] >= 0 && d->split[k][i] < d->hdr.nsamples, comm, PETSC_ERR_FILE_UNEXPECTED, "Dataset %s: split index out of range", path);
    }
  }
  H5Gclose(g);
  *ds = d;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetClose(GCVAEDataset *ds)
{
  PetscFunctionBegin;
  if (!*ds) PetscFunctionReturn(0);
  if ((*ds)->file >= 0) H5Fclose((*ds)->file);
  PetscCall(PetscFree((*ds)->rowptr));
  PetscCall(PetscFree((*ds)->colind));
  PetscCall(PetscFree((*ds)->perm));
  PetscCall(PetscFree((*ds)->split[0]));
  PetscCall(PetscFree((*ds)->split[1]));
  PetscCall(PetscFree(*ds));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetGetHeader(GCVAEDataset ds, const GCVAEDatasetHeader **hdr)
{
  PetscFunctionBegin;
  *hdr = &ds->hdr;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetGetPattern(GCVAEDataset ds, const PetscInt **rowptr, const PetscInt **colind)
{
  PetscFunctionBegin;
  if (rowptr) *rowptr = ds->rowptr;
  if (colind) *colind = ds->colind;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetGetPermutation(GCVAEDataset ds, const PetscInt **perm)
{
  PetscFunctionBegin;
  *perm = ds->perm;
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetGetSplit(GCVAEDataset ds, GCVAESplit which, PetscInt *count, const PetscInt **idx)
{
  PetscFunctionBegin;
  if (count) *count = ds->nsplit[which];
  if (idx) *idx = ds->split[which];
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetReadValues(GCVAEDataset ds, PetscInt sample, PetscScalar values[])
{
  PetscFunctionBegin;
  PetscCall(ReadRow(ds->file, "values", sample, ds->hdr.nsamples, ds->hdr.nnz, H5T_NATIVE_DOUBLE, values, ds->path));
  for (PetscInt k = 0; k < ds->hdr.nnz; k++) PetscCheck(PetscIsNormalReal(values[k]) || values[k] == 0, PETSC_COMM_SELF, PETSC_ERR_FP, "Dataset %s: sample %" PetscInt_FMT " has a non-finite value at entry %" PetscInt_FMT, ds->path, sample, k);
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetReadCoeffs(GCVAEDataset ds, PetscInt sample, PetscReal coeffs[])
{
  PetscFunctionBegin;
  PetscCall(ReadRow(ds->file, "coeffs", sample, ds->hdr.nsamples, ds->hdr.ncoeffs, H5T_NATIVE_DOUBLE, coeffs, ds->path));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetReadImage(GCVAEDataset ds, PetscInt sample, float image[])
{
  PetscFunctionBegin;
  PetscCall(ReadRow(ds->file, "inv_image", sample, ds->hdr.nsamples, ds->hdr.image_size * ds->hdr.image_size, H5T_NATIVE_FLOAT, image, ds->path));
  PetscFunctionReturn(0);
}

PetscErrorCode GCVAEDatasetCreateMat(GCVAEDataset ds, MPI_Comm comm, PetscInt sample, Mat *A)
{
  PetscScalar *values;
  PetscInt     rstart, rend, n = ds->hdr.n;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(ds->hdr.nnz, &values));
  PetscCall(GCVAEDatasetReadValues(ds, sample, values));
  {
    /* rows split as PETSC_DECIDE would (the layout is not set up before preallocation) */
    PetscInt nlocal = PETSC_DECIDE;
    PetscCall(PetscSplitOwnership(comm, &nlocal, &n));
    PetscCallMPI(MPI_Scan(&nlocal, &rend, 1, MPIU_INT, MPI_SUM, comm));
    rstart = rend - nlocal;
    PetscCall(MatCreate(comm, A));
    PetscCall(MatSetSizes(*A, nlocal, nlocal, n, n));
  }
  PetscCall(MatSetType(*A, MATAIJ));
  PetscCall(MatSetFromOptions(*A));
  {
    /* diagonal / off-diagonal block counts of the local rows */
    PetscInt *dnz, *onz, cstart = rstart, cend = rend;
    PetscCall(PetscCalloc2(rend - rstart, &dnz, rend - rstart, &onz));
    for (PetscInt i = rstart; i < rend; i++)
      for (PetscInt k = ds->rowptr[i]; k < ds->rowptr[i + 1]; k++) {
        if (ds->colind[k] >= cstart && ds->colind[k] < cend) dnz[i - rstart]++;
        else onz[i - rstart]++;
      }
    PetscCall(MatXAIJSetPreallocation(*A, 1, dnz, onz, NULL, NULL));
    PetscCall(PetscFree2(dnz, onz));
  }
  for (PetscInt i = rstart; i < rend; i++) PetscCall(MatSetValues(*A, 1, &i, ds->rowptr[i + 1] - ds->rowptr[i], ds->colind + ds->rowptr[i], values + ds->rowptr[i], INSERT_VALUES));
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(*A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(*A, MAT_SPD, PETSC_TRUE));
  PetscCall(PetscFree(values));
  PetscFunctionReturn(0);
}
