#ifndef PDFEMU_CFAULTGUARD_H
#define PDFEMU_CFAULTGUARD_H
// Turns a segmentation fault or bus error *inside the HDF5 library* (which does not validate every
// structure of a damaged file) into one line on stderr and exit status 1. Outside a guarded region
// the signal keeps its default action, so faults in pdfemu's own code still crash visibly.

/// Installs the SIGSEGV/SIGBUS handler (on an alternate stack); idempotent.
void pdfemu_fault_guard_install(void);
/// Enters a guarded region on this thread; `message` (copied, truncated to 1 kB) is printed on a fault.
void pdfemu_fault_guard_enter(const char *message);
/// Leaves the innermost guarded region on this thread.
void pdfemu_fault_guard_leave(void);
#endif

#ifndef PDFEMU_CFAULTGUARD_WATCHDOG
#define PDFEMU_CFAULTGUARD_WATCHDOG
/// Arms a process-wide watchdog: if not disarmed within `seconds`, prints `message` (one line) and
/// exits with status 1 (libhdf5 can loop forever on some damaged heaps). One at a time.
void pdfemu_watchdog_arm(unsigned seconds, const char *message);
/// Disarms the watchdog.
void pdfemu_watchdog_disarm(void);
#endif
