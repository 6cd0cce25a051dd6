#include "CKernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define MULTI __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MULTI
#endif

/* √x without errno handling, so that loops with it vectorise (x ≥ 0 where used: same IEEE result as sqrtf). */
#if defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_sqrt)
#define VSQRTF(x) __builtin_elementwise_sqrt(x)
#endif
#endif
#ifndef VSQRTF
#define VSQRTF(x) sqrtf(x)
#endif

static inline float as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline int as_int(float f) { int i; memcpy(&i, &f, 4); return i; }

/* e^x, Cephes polynomial with round-to-nearest range reduction; relative error ~2e-7. */
static inline float fast_exp(float x) {
    x = fminf(fmaxf(x, -87.0f), 88.0f);
    const float magic = 12582912.0f;
    float k = x * 1.44269504088896341f + magic;
    float fx = k - magic;
    int n = as_int(k) - 0x4B400000;
    float r = x - fx * 0.693359375f;
    r = r - fx * -2.12194440e-4f;
    float r2 = r * r;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r2 + r + 1.0f;
    return y * as_float((n + 127) << 23);
}

/* tanh, rational minimax approximation (Eigen's fast float tanh), |error| < 1e-6. */
static inline float fast_tanh(float x) {
    const float c = 7.90531110763549805f;
    float v = fminf(fmaxf(x, -c), c);
    float x2 = v * v;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = p * v;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return p / q;
}

static inline float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

/* log(1+e^x) = max(x,0) + log1p(e^-|x|), log1p by the atanh series (s <= 1/3). */
static inline float fast_softplus(float x) {
    float e = fast_exp(-fabsf(x));
    float s = e / (2.0f + e), s2 = s * s;
    float p = 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    return fmaxf(x, 0.0f) + 2.0f * s * p;
}

MULTI void pdfemu_act_forward_f32(int kind, const float *restrict z, float *restrict a, long n) {
    switch (kind) {
    case 0: for (long i = 0; i < n; i++) a[i] = fast_tanh(z[i]); break;
    case 1: for (long i = 0; i < n; i++) a[i] = z[i] * fast_sigmoid(z[i]); break;
    case 2: for (long i = 0; i < n; i++) a[i] = fast_softplus(z[i]); break;
    default: break;
    }
}

MULTI void pdfemu_act_backward_f32(int kind, const float *restrict z, const float *restrict a, float *restrict g, long n) {
    switch (kind) {
    case 0: for (long i = 0; i < n; i++) g[i] *= 1.0f - a[i] * a[i]; break;
    case 1:
        for (long i = 0; i < n; i++) {
            float s = fast_sigmoid(z[i]);
            g[i] *= s + z[i] * s * (1.0f - s);
        }
        break;
    case 2: for (long i = 0; i < n; i++) g[i] *= fast_sigmoid(z[i]); break;
    default: break;
    }
}

MULTI void pdfemu_adam_f32(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
                           float lr, float b1, float b2, float eps, float stepSize, float c2sqrt, float wd, int decoupled) {
    if (decoupled) {
        for (long i = 0; i < n; i++) {
            float gi = g[i];
            p[i] -= lr * wd * p[i];
            m[i] = b1 * m[i] + (1.0f - b1) * gi;
            v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
            p[i] -= stepSize * m[i] / (VSQRTF(v[i]) / c2sqrt + eps);
        }
    } else {
        for (long i = 0; i < n; i++) {
            float gi = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1.0f - b1) * gi;
            v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
            p[i] -= stepSize * m[i] / (VSQRTF(v[i]) / c2sqrt + eps);
        }
    }
}

MULTI void pdfemu_colsum_f32(const float *restrict x, long rows, long cols, float *restrict out) {
    for (long j = 0; j < cols; j++) out[j] = 0.0f;
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        for (long j = 0; j < cols; j++) out[j] += row[j];
    }
}

/* Fused bias + activation over a rows × cols block: z[r,c] += b[c], then a[r,c] = σ(z[r,c]) (kind as in
   pdfemu_act_forward_f32; kind < 0 or a NULL: the bias only). One pass over z instead of three. */
MULTI void pdfemu_bias_act_f32(int kind, float *restrict z, const float *restrict b, float *restrict a, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        float *zr = z + r * cols;
        for (long j = 0; j < cols; j++) zr[j] += b[j];
        if (kind < 0 || a == 0) continue;
        float *ar = a + r * cols;
        switch (kind) {
        case 0: for (long j = 0; j < cols; j++) ar[j] = fast_tanh(zr[j]); break;
        case 1: for (long j = 0; j < cols; j++) ar[j] = zr[j] * fast_sigmoid(zr[j]); break;
        case 2: for (long j = 0; j < cols; j++) ar[j] = fast_softplus(zr[j]); break;
        default: break;
        }
    }
}

/* Fused back-propagation through σ with the bias gradient: g[r,c] *= σ'(z[r,c]) (a = σ(z)), and
   out[c] = Σ_r g[r,c] of the result (the previous layer's bias gradient). */
MULTI void pdfemu_act_backward_colsum_f32(int kind, const float *restrict z, const float *restrict a, float *restrict g,
                                          long rows, long cols, float *restrict out) {
    for (long j = 0; j < cols; j++) out[j] = 0.0f;
    for (long r = 0; r < rows; r++) {
        const float *zr = z + r * cols, *ar = a + r * cols;
        float *gr = g + r * cols;
        switch (kind) {
        case 0: for (long j = 0; j < cols; j++) gr[j] *= 1.0f - ar[j] * ar[j]; break;
        case 1:
            for (long j = 0; j < cols; j++) {
                float s = fast_sigmoid(zr[j]);
                gr[j] *= s + zr[j] * s * (1.0f - s);
            }
            break;
        case 2: for (long j = 0; j < cols; j++) gr[j] *= fast_sigmoid(zr[j]); break;
        default: break;
        }
        for (long j = 0; j < cols; j++) out[j] += gr[j];
    }
}

/* y[i] += x[i] for n elements (sums partial gradients). */
MULTI void pdfemu_add_f32(float *restrict y, const float *restrict x, long n) {
    for (long i = 0; i < n; i++) y[i] += x[i];
}
