// Loads OpenBLAS with dlopen after choosing its kernel type for this CPU (see CBLASLoader.h).
#define _GNU_SOURCE
#include "CBLASLoader.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *,
                         int, double, double *, int);
typedef void (*dsyev_fn)(const char *, const char *, const int *, double *, const int *, double *,
                         double *, const int *, int *);
typedef void (*dpotrf_fn)(const char *, const int *, double *, const int *, int *);
typedef void (*dgeqrf_fn)(const int *, const int *, double *, const int *, double *, double *, const int *,
                          int *);
typedef void (*dormqr_fn)(const char *, const char *, const int *, const int *, const int *, const double *,
                          const int *, const double *, double *, const int *, double *, const int *, int *);
typedef void (*dtrtrs_fn)(const char *, const char *, const char *, const int *, const int *, const double *,
                          const int *, double *, const int *, int *);
typedef char *(*str_fn)(void);
typedef int (*geti_fn)(void);
typedef void (*seti_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *handle;
static char error_text[512];
static char library_name[256];
static char coretype_env[64];
static int coretype_chosen;
static const char *cpu_level = "baseline";
static int cpu_bf16;
static sgemm_fn p_sgemm;
static dgemm_fn p_dgemm;
static dsyev_fn p_dsyev;
static dpotrf_fn p_dpotrf, p_dpotri;
static dgeqrf_fn p_dgeqrf;
static dormqr_fn p_dormqr;
static dtrtrs_fn p_dtrtrs;
static str_fn p_corename, p_config;
static geti_fn p_get_threads;
static seti_fn p_set_threads;

static void detect_cpu(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512cd")) {
        cpu_level = "avx512";
        cpu_bf16 = __builtin_cpu_supports("avx512bf16");
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        cpu_level = "avx2";
#endif
}

static void load_once(void) {
    detect_cpu();
    const char *env = getenv("OPENBLAS_CORETYPE");
    // PDFEMU_BLAS_NO_CORETYPE=1 leaves the choice to OpenBLAS (for comparisons, e.g. pdfemu-bench).
    const char *keep = getenv("PDFEMU_BLAS_NO_CORETYPE");
    int choose = !(keep != NULL && keep[0] != 0 && strcmp(keep, "0") != 0);
    if (choose && (env == NULL || env[0] == 0)) {
        const char *choice = NULL;
        // The names OpenBLAS's own detection gives these CPUs when it recognises them.
        if (strcmp(cpu_level, "avx512") == 0) choice = cpu_bf16 ? "Cooperlake" : "SkylakeX";
        else if (strcmp(cpu_level, "avx2") == 0) choice = "Haswell";
        if (choice) { setenv("OPENBLAS_CORETYPE", choice, 0); coretype_chosen = 1; }
    }
    env = getenv("OPENBLAS_CORETYPE");
    snprintf(coretype_env, sizeof coretype_env, "%s", env ? env : "");

    const char *candidates[] = {getenv("PDFEMU_BLAS_LIBRARY"), "libopenblas.so.0", "libopenblas.so",
                                "libopenblas.dylib"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && !handle; i++) {
        if (candidates[i] == NULL || candidates[i][0] == 0) continue;
        handle = dlopen(candidates[i], RTLD_NOW | RTLD_GLOBAL);
        if (handle) snprintf(library_name, sizeof library_name, "%s", candidates[i]);
    }
    // OpenBLAS reads OPENBLAS_CORETYPE once, while loading: take our choice back out of the
    // environment so child processes (e.g. a Python peer) see the user's environment unchanged.
    if (coretype_chosen) unsetenv("OPENBLAS_CORETYPE");
    if (!handle) {
        snprintf(error_text, sizeof error_text,
                 "cannot load OpenBLAS (libopenblas.so.0): %s; install it with 'make setup' "
                 "(Debian package libopenblas-dev)", dlerror());
        return;
    }
    Dl_info info;
    void *probe = dlsym(handle, "cblas_sgemm");
    if (probe && dladdr(probe, &info) && info.dli_fname)
        snprintf(library_name, sizeof library_name, "%s", info.dli_fname);
    p_sgemm = (sgemm_fn)probe;
    p_dgemm = (dgemm_fn)dlsym(handle, "cblas_dgemm");
    p_dsyev = (dsyev_fn)dlsym(handle, "dsyev_");
    p_dpotrf = (dpotrf_fn)dlsym(handle, "dpotrf_");
    p_dpotri = (dpotrf_fn)dlsym(handle, "dpotri_");
    p_dgeqrf = (dgeqrf_fn)dlsym(handle, "dgeqrf_");
    p_dormqr = (dormqr_fn)dlsym(handle, "dormqr_");
    p_dtrtrs = (dtrtrs_fn)dlsym(handle, "dtrtrs_");
    p_corename = (str_fn)dlsym(handle, "openblas_get_corename");
    p_config = (str_fn)dlsym(handle, "openblas_get_config");
    p_get_threads = (geti_fn)dlsym(handle, "openblas_get_num_threads");
    p_set_threads = (seti_fn)dlsym(handle, "openblas_set_num_threads");
    if (!p_sgemm || !p_dgemm || !p_dsyev || !p_dpotrf || !p_dpotri || !p_dgeqrf || !p_dormqr || !p_dtrtrs) {
        snprintf(error_text, sizeof error_text,
                 "%s lacks cblas_sgemm/cblas_dgemm/dsyev_/dpotrf_/dpotri_/dgeqrf_/dormqr_/dtrtrs_ "
                 "(need OpenBLAS with LAPACK)",
                 library_name);
        dlclose(handle);
        handle = NULL;
    }
}

int pdfemu_blas_load(void) {
    pthread_once(&once, load_once);
    return handle ? 0 : -1;
}
const char *pdfemu_blas_error(void) { pdfemu_blas_load(); return handle ? NULL : error_text; }
const char *pdfemu_blas_library(void) { pdfemu_blas_load(); return library_name; }
const char *pdfemu_blas_corename(void) {
    pdfemu_blas_load();
    return (handle && p_corename) ? p_corename() : "unknown";
}
const char *pdfemu_blas_config(void) {
    pdfemu_blas_load();
    return (handle && p_config) ? p_config() : "unknown";
}
const char *pdfemu_blas_coretype_env(void) { pdfemu_blas_load(); return coretype_env; }
int pdfemu_blas_coretype_chosen(void) { pdfemu_blas_load(); return coretype_chosen; }
const char *pdfemu_cpu_level(void) { pdfemu_blas_load(); return cpu_level; }
int pdfemu_blas_get_threads(void) {
    pdfemu_blas_load();
    return (handle && p_get_threads) ? p_get_threads() : 1;
}
void pdfemu_blas_set_threads(int n) {
    pdfemu_blas_load();
    if (handle && p_set_threads) p_set_threads(n);
}

void pdfemu_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc) {
    p_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b,
            ldb, beta, c, ldc);
}
void pdfemu_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda,
                  const double *b, int ldb, double beta, double *c, int ldc) {
    p_dgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b,
            ldb, beta, c, ldc);
}
/// Runs a LAPACK call twice: a workspace query (lwork = -1), then with the workspace it asked for.
/// CALL names the variables work, lwork and info; the function returns LAPACK's info (-1000 if the
/// workspace cannot be allocated).
#define LAPACK_WITH_WORKSPACE(CALL)                       \
    do {                                                  \
        int info = 0, lwork = -1;                         \
        double query = 0, *work = &query;                 \
        CALL;                                             \
        if (info != 0) return info;                       \
        lwork = (int)query > 1 ? (int)query : 1;          \
        work = malloc(sizeof(double) * (size_t)lwork);    \
        if (!work) return -1000;                          \
        CALL;                                             \
        free(work);                                       \
        return info;                                      \
    } while (0)

int pdfemu_dsyev(char jobz, char uplo, int n, double *a, int lda, double *w) {
    LAPACK_WITH_WORKSPACE(p_dsyev(&jobz, &uplo, &n, a, &lda, w, work, &lwork, &info));
}
int pdfemu_dpotrf(char uplo, int n, double *a, int lda) {
    int info = 0;
    p_dpotrf(&uplo, &n, a, &lda, &info);
    return info;
}
int pdfemu_dpotri(char uplo, int n, double *a, int lda) {
    int info = 0;
    p_dpotri(&uplo, &n, a, &lda, &info);
    return info;
}
int pdfemu_dgeqrf(int m, int n, double *a, int lda, double *tau) {
    LAPACK_WITH_WORKSPACE(p_dgeqrf(&m, &n, a, &lda, tau, work, &lwork, &info));
}
int pdfemu_dormqr(char side, char trans, int m, int n, int k, const double *a, int lda, const double *tau,
                  double *c, int ldc) {
    LAPACK_WITH_WORKSPACE(p_dormqr(&side, &trans, &m, &n, &k, a, &lda, tau, c, &ldc, work, &lwork, &info));
}
int pdfemu_dtrtrs(char uplo, char trans, char diag, int n, int nrhs, const double *a, int lda, double *b, int ldb) {
    int info = 0;
    p_dtrtrs(&uplo, &trans, &diag, &n, &nrhs, a, &lda, b, &ldb, &info);
    return info;
}
