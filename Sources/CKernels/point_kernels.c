/* Double-precision kernels of one-point network evaluation (value and input gradient), used by
 * DenseNetwork: dense layers in both directions over the row-major weights, stored as double or, when
 * the network was trained in float32 and its weights are exactly floats, as float (half the memory
 * traffic, same values), and a vectorisable tanh. Multi-versioned like kernels.c. */
#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define MULTI __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MULTI
#endif

typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));

/* Loads, stores and sums of 8-double vectors as macros: helper functions passing v8d would change the
 * calling convention between the multi-versioned builds. */
#define load8_f64(p) ({ v8d v_; memcpy(&v_, (p), 64); v_; })
#define load8_f32(p) ({ v8f f_; memcpy(&f_, (p), 32); __builtin_convertvector(f_, v8d); })
#define store8(p, v) do { v8d s_ = (v); memcpy((p), &s_, 64); } while (0)
#define hsum8(v) ({ v8d h_ = (v); ((h_[0] + h_[4]) + (h_[1] + h_[5])) + ((h_[2] + h_[6]) + (h_[3] + h_[7])); })

/* z[r] = b[r] + Σ_k w[r·fi + k]·x[k]  (w: fo × fi, row-major; b may be NULL: no bias): eight rows at
 * a time, each row's dot product in eight partial sums. */
#define DENSE_FORWARD(NAME, WT, LOAD8)                                                                   \
    MULTI void NAME(long fi, long fo, const WT *restrict w, const double *restrict b,                    \
                    const double *restrict x, double *restrict z) {                                      \
        const long kv = fi & ~7L;                                                                        \
        long r = 0;                                                                                      \
        for (; r + 8 <= fo; r += 8) {                                                                    \
            v8d acc[8] = {0};                                                                            \
            for (long k = 0; k < kv; k += 8) {                                                           \
                const v8d xv = load8_f64(x + k);                                                         \
                for (int i = 0; i < 8; i++) acc[i] += LOAD8(w + (r + i) * fi + k) * xv;                  \
            }                                                                                            \
            for (int i = 0; i < 8; i++) {                                                                \
                double s = hsum8(acc[i]);                                                                \
                for (long k = kv; k < fi; k++) s += (double)w[(r + i) * fi + k] * x[k];                  \
                z[r + i] = (b ? b[r + i] : 0.0) + s;                                                                 \
            }                                                                                            \
        }                                                                                                \
        for (; r < fo; r++) {                                                                            \
            v8d acc = {0};                                                                               \
            for (long k = 0; k < kv; k += 8) acc += LOAD8(w + r * fi + k) * load8_f64(x + k);            \
            double s = hsum8(acc);                                                                       \
            for (long k = kv; k < fi; k++) s += (double)w[r * fi + k] * x[k];                            \
            z[r] = (b ? b[r] : 0.0) + s;                                                                             \
        }                                                                                                \
    }

/* out[k] = Σ_r dz[r]·w[r·fi + k]  (w: fo × fi, row-major), streaming the rows in order with up to 128
 * sums in registers. */
#define DENSE_BACKWARD(NAME, WT, LOAD8)                                                                  \
    MULTI void NAME(long fi, long fo, const WT *restrict w, const double *restrict dz,                   \
                    double *restrict out) {                                                              \
        long k0 = 0;                                                                                     \
        for (; k0 + 128 <= fi; k0 += 128) {                                                              \
            v8d acc[16] = {0};                                                                           \
            for (long r = 0; r < fo; r++) {                                                              \
                const double d = dz[r];                                                                  \
                const WT *row = w + r * fi + k0;                                                         \
                for (int j = 0; j < 16; j++) acc[j] += d * LOAD8(row + 8 * j);                           \
            }                                                                                            \
            for (int j = 0; j < 16; j++) store8(out + k0 + 8 * j, acc[j]);                               \
        }                                                                                                \
        for (; k0 + 32 <= fi; k0 += 32) {                                                                \
            v8d acc[4] = {0};                                                                            \
            for (long r = 0; r < fo; r++) {                                                              \
                const double d = dz[r];                                                                  \
                const WT *row = w + r * fi + k0;                                                         \
                for (int j = 0; j < 4; j++) acc[j] += d * LOAD8(row + 8 * j);                            \
            }                                                                                            \
            for (int j = 0; j < 4; j++) store8(out + k0 + 8 * j, acc[j]);                                \
        }                                                                                                \
        if (k0 < fi) {                                                                                   \
            /* The last < 32 columns: whole 8-blocks as vectors, the rest as scalars, all rows at once. */\
            const long nv = (fi - k0) / 8, ns = (fi - k0) % 8;                                           \
            v8d acc[3] = {0};                                                                            \
            double tail[8] = {0};                                                                        \
            for (long r = 0; r < fo; r++) {                                                              \
                const double d = dz[r];                                                                  \
                const WT *row = w + r * fi + k0;                                                         \
                for (long j = 0; j < nv; j++) acc[j] += d * LOAD8(row + 8 * j);                          \
                for (long t = 0; t < ns; t++) tail[t] += d * (double)row[8 * nv + t];                    \
            }                                                                                            \
            for (long j = 0; j < nv; j++) store8(out + k0 + 8 * j, acc[j]);                              \
            for (long t = 0; t < ns; t++) out[k0 + 8 * nv + t] = tail[t];                                \
        }                                                                                                \
    }

DENSE_FORWARD(pdfemu_dense_forward_f64, double, load8_f64)
DENSE_FORWARD(pdfemu_dense_forward_f64_f32w, float, load8_f32)
DENSE_BACKWARD(pdfemu_dense_backward_f64, double, load8_f64)
DENSE_BACKWARD(pdfemu_dense_backward_f64_f32w, float, load8_f32)

static inline double as_double(long long i) { double d; memcpy(&d, &i, 8); return d; }
static inline long long as_long(double d) { long long i; memcpy(&i, &d, 8); return i; }

/* e^x for x in [0, 40] (Cephes exp: Padé form after reduction by ln 2; relative error ~1e-16). */
static inline double exp_0_40(double x) {
    const double shift = 6755399441055744.0; /* 1.5·2^52: adding it rounds to an integer */
    double k = x * 1.4426950408889634073599 + shift;
    long long n = as_long(k) - as_long(shift);
    double fx = k - shift;
    double r = x - fx * 6.93145751953125E-1;
    r = r - fx * 1.42860682030941723212E-6;
    double rr = r * r;
    double p = ((1.26177193074810590878E-4 * rr + 3.02994407707441961300E-2) * rr + 9.99999999999999999910E-1) * r;
    double q = ((3.00198505138664455042E-6 * rr + 2.52448340349684104192E-3) * rr + 2.27265548208155028766E-1) * rr
               + 2.00000000000000000009E0;
    double e = 1.0 + 2.0 * (p / (q - p));
    return e * as_double((n + 1023) << 52);
}

/* a[i] = tanh(z[i]), d[i] = 1 − a[i]² (Cephes tanh: rational form for |z| ≤ 0.625, 1 − 2/(e^{2|z|}+1)
 * above; a few ulp). Branch-free so that it vectorises. */
MULTI void pdfemu_tanh_f64(const double *restrict z, double *restrict a, double *restrict d, long n) {
    for (long i = 0; i < n; i++) {
        double x = z[i];
        double ax = x < 0 ? -x : x;
        double big = 1.0 - 2.0 / (exp_0_40(2.0 * (ax < 20.0 ? ax : 20.0)) + 1.0);
        big = x < 0 ? -big : big;
        double s = x * x;
        double p = (-9.64399179425052238628E-1 * s - 9.92877231001918586564E1) * s - 1.61468768441708447952E3;
        double q = ((s + 1.12811678491632931402E2) * s + 2.23548839060100448583E3) * s + 4.84406305325125486048E3;
        double small = x + x * s * (p / q);
        double t = ax > 0.625 ? big : small;
        a[i] = t;
        d[i] = 1.0 - t * t;
    }
}
