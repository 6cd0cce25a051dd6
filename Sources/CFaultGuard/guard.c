#include "CFaultGuard.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>

static __thread int guard_depth = 0;
static __thread char guard_message[1024];
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

/// Copies `message` into `dst` (truncated to `size` - 2 bytes) and ends it with a newline.
static void copy_line(char *dst, size_t size, const char *message) {
    strncpy(dst, message, size - 2);
    dst[size - 2] = 0;
    size_t n = strlen(dst);
    if (n == 0 || dst[n - 1] != '\n') { dst[n] = '\n'; dst[n + 1] = 0; }
}

static void fault_handler(int sig) {
    if (guard_depth > 0) {
        // Only async-signal-safe calls: write(2) and _exit(2).
        size_t n = strlen(guard_message);
        ssize_t r = write(2, guard_message, n);
        (void)r;
        _exit(1);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_once(void) {
    static char altstack[65536];
    stack_t ss;
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fault_handler;
    sa.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

void pdfemu_fault_guard_install(void) { pthread_once(&guard_once, install_once); }

void pdfemu_fault_guard_enter(const char *message) {
    pdfemu_fault_guard_install();
    if (guard_depth++ == 0) copy_line(guard_message, sizeof guard_message, message);
}

void pdfemu_fault_guard_leave(void) {
    if (guard_depth > 0) guard_depth--;
}

static volatile sig_atomic_t watchdog_armed = 0;
static char watchdog_message[1024];

static void alarm_handler(int sig) {
    (void)sig;
    if (watchdog_armed) {
        ssize_t r = write(2, watchdog_message, strlen(watchdog_message));
        (void)r;
        _exit(1);
    }
}

void pdfemu_watchdog_arm(unsigned seconds, const char *message) {
    copy_line(watchdog_message, sizeof watchdog_message, message);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = alarm_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    watchdog_armed = 1;
    alarm(seconds);
}

void pdfemu_watchdog_disarm(void) {
    alarm(0);
    watchdog_armed = 0;
}
