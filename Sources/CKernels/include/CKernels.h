#ifndef PDFEMU_CKERNELS_H
#define PDFEMU_CKERNELS_H
/// Elementwise single-precision kernels of the training hot path, compiled for AVX-512, AVX2 and
/// baseline x86-64 and picked at load time (function multi-versioning), so that no compiler flag
/// is needed. kind: 0 tanh, 1 silu, 2 softplus.
void pdfemu_act_forward_f32(int kind, const float *z, float *a, long n);
/// g[i] *= σ'(z[i]) with a = σ(z).
void pdfemu_act_backward_f32(int kind, const float *z, const float *a, float *g, long n);
/// Adam/AdamW step over n parameters.
void pdfemu_adam_f32(float *p, const float *g, float *m, float *v, long n, float lr, float b1, float b2,
                     float eps, float stepSize, float c2sqrt, float wd, int decoupled);
/// Column sums: out[j] = Σ_r x[r*cols + j].
void pdfemu_colsum_f32(const float *x, long rows, long cols, float *out);
/// Fused bias and activation over rows × cols: z[r,c] += b[c], a[r,c] = σ(z[r,c]); kind < 0 or a NULL: bias only.
void pdfemu_bias_act_f32(int kind, float *z, const float *b, float *a, long rows, long cols);
/// Fused g[r,c] *= σ'(z[r,c]) (a = σ(z)) and out[c] = Σ_r g[r,c] afterwards.
void pdfemu_act_backward_colsum_f32(int kind, const float *z, const float *a, float *g, long rows, long cols, float *out);
/// y[i] += x[i].
void pdfemu_add_f32(float *y, const float *x, long n);

/* Double-precision one-point kernels (point_kernels.c). */
/// z[r] = b[r] + Σ_k w[r·fi + k]·x[k], w the weights (fo × fi, row-major); b NULL: no bias.
void pdfemu_dense_forward_f64(long fi, long fo, const double *w, const double *b, const double *x, double *z);
/// The same with float weights, summed in double.
void pdfemu_dense_forward_f64_f32w(long fi, long fo, const float *w, const double *b, const double *x, double *z);
/// out[k] = Σ_r dz[r]·w[r·fi + k], w the weights (fo × fi, row-major).
void pdfemu_dense_backward_f64(long fi, long fo, const double *w, const double *dz, double *out);
/// The same with float weights, summed in double.
void pdfemu_dense_backward_f64_f32w(long fi, long fo, const float *w, const double *dz, double *out);
/// a[i] = tanh(z[i]) and d[i] = 1 − a[i]² in double precision (a few ulp).
void pdfemu_tanh_f64(const double *z, double *a, double *d, long n);
#endif
