#ifndef PDFEMU_CBLASLOADER_H
#define PDFEMU_CBLASLOADER_H
#include <stddef.h>

/// Loads OpenBLAS once (thread-safe). Before loading, when OPENBLAS_CORETYPE is not set, it is set to
/// the kernel family this CPU supports (Cooperlake with AVX-512 + BF16, SkylakeX with AVX-512, Haswell
/// with AVX2+FMA) for the load only (it is removed from the environment again afterwards), because
/// OpenBLAS 0.3.21 misdetects newer CPUs and falls back to slow generic kernels. Setting
/// PDFEMU_BLAS_NO_CORETYPE=1 (any non-empty value but "0") skips this choice and leaves detection to
/// OpenBLAS. Returns 0 on success.
int pdfemu_blas_load(void);
/// Why loading failed, or NULL.
const char *pdfemu_blas_error(void);
/// Path or soname of the loaded library.
const char *pdfemu_blas_library(void);
/// OpenBLAS's own name of the kernels in use (openblas_get_corename), e.g. "SkylakeX".
const char *pdfemu_blas_corename(void);
/// OpenBLAS's build configuration string (openblas_get_config).
const char *pdfemu_blas_config(void);
/// OPENBLAS_CORETYPE as it was when the library loaded ("" if unset).
const char *pdfemu_blas_coretype_env(void);
/// 1 if pdfemu chose OPENBLAS_CORETYPE, 0 if it came from the environment or was left unset.
int pdfemu_blas_coretype_chosen(void);
/// What the CPU supports, as pdfemu saw it: "avx512", "avx2", or "baseline".
const char *pdfemu_cpu_level(void);
int pdfemu_blas_get_threads(void);
void pdfemu_blas_set_threads(int n);

/// Row-major C = alpha op(A) op(B) + beta C (cblas_sgemm with CblasRowMajor). trans: 0 = no, 1 = yes.
void pdfemu_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc);
/// Row-major double precision GEMM (cblas_dgemm with CblasRowMajor).
void pdfemu_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda,
                  const double *b, int ldb, double beta, double *c, int ldc);
/// LAPACK dsyev (column-major; symmetric matrices are their own transpose): eigenvalues ascending in w,
/// eigenvectors in the columns of a (column-major) when jobz = 'V'. Returns LAPACK's info.
int pdfemu_dsyev(char jobz, char uplo, int n, double *a, int lda, double *w);
/// LAPACK dpotrf: Cholesky factorisation in place. Returns info (> 0: not positive definite).
int pdfemu_dpotrf(char uplo, int n, double *a, int lda);
/// LAPACK dpotri: inverse from the Cholesky factor. Returns info.
int pdfemu_dpotri(char uplo, int n, double *a, int lda);
/// LAPACK dgeqrf (column-major m×n): Householder QR in place (R in the upper triangle, reflectors
/// below with scalars tau[min(m,n)]). Returns info.
int pdfemu_dgeqrf(int m, int n, double *a, int lda, double *tau);
/// LAPACK dormqr: C := op(Q)·C or C·op(Q) with Q from pdfemu_dgeqrf (k reflectors). Column-major. Returns info.
int pdfemu_dormqr(char side, char trans, int m, int n, int k, const double *a, int lda, const double *tau,
                  double *c, int ldc);
/// LAPACK dtrtrs: solves op(A)·X = B for triangular A (column-major n×n), B n×nrhs in place. Returns info.
int pdfemu_dtrtrs(char uplo, char trans, char diag, int n, int nrhs, const double *a, int lda, double *b, int ldb);
#endif
