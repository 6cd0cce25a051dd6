#ifndef PDFEMU_CHDF5_SHIM_H
#define PDFEMU_CHDF5_SHIM_H
// Exposes to Swift the HDF5 macros it cannot import (they expand to casts or function calls).
#include <hdf5.h>
#include <string.h>

static inline hid_t pdfemu_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t pdfemu_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t pdfemu_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline unsigned pdfemu_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned pdfemu_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned pdfemu_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned pdfemu_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned pdfemu_H5F_OBJ_ALL(void) { return H5F_OBJ_ALL; }
static inline hid_t pdfemu_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t pdfemu_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t pdfemu_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t pdfemu_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t pdfemu_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t pdfemu_H5T_C_S1(void) { return H5T_C_S1; }
static inline size_t pdfemu_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t pdfemu_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t pdfemu_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }

/// Turns off HDF5's automatic error printing for the calling thread (the error stack is per thread
/// in a thread-safe build). Cheap: done once per thread.
static inline void pdfemu_h5_silence(void) {
    static __thread int done = 0;
    if (!done) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); done = 1; }
}

typedef struct { char *buf; size_t len; int depth; } pdfemu_h5_errbuf;

static inline herr_t pdfemu_h5_walk(unsigned n, const H5E_error2_t *e, void *data) {
    pdfemu_h5_errbuf *b = (pdfemu_h5_errbuf *)data;
    if (b->depth >= 3 || e->desc == NULL) return 0;
    size_t used = strlen(b->buf);
    if (used + 4 >= b->len) return 0;
    if (used > 0) { strncat(b->buf, "; ", b->len - used - 1); used += 2; }
    strncat(b->buf, e->desc, b->len - used - 1);
    b->depth++;
    (void)n;
    return 0;
}

/// Copies the innermost messages of this thread's HDF5 error stack into buf, then clears the stack.
static inline void pdfemu_h5_take_error(char *buf, size_t len) {
    if (len == 0) return;
    buf[0] = 0;
    pdfemu_h5_errbuf b = { buf, len, 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, pdfemu_h5_walk, &b);
    H5Eclear2(H5E_DEFAULT);
}
#endif
