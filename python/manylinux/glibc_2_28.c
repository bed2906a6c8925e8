/*
 * Links the wheel's binaries (the extension and the `sweepkit` command) against glibc 2.28's
 * interface when they are built on a newer glibc, so the wheel can be tagged manylinux_2_28.
 *
 * A program linked against glibc >= 2.34 asks for the newest version of each symbol it uses:
 * pthread_create@GLIBC_2.34 (libpthread and libdl moved into libc), stat@GLIBC_2.33 (once a header
 * inline over __xstat), pow@GLIBC_2.29, hypot@GLIBC_2.35 and so on; a glibc 2.28 loader refuses it.
 * Every one of these still exists under its old version, which glibc keeps for old programs. The
 * link passes `--wrap=NAME` for each NAME below, so every reference to NAME (in our objects and in the
 * static Swift runtime alike) goes to __wrap_NAME here, which jumps to NAME@OLD_VERSION; the few with
 * no old version get a replacement (libstdc++'s one GCC 11 function among them). python/setup.py compiles this file and adds the flags
 * (WRAPPED_SYMBOLS there lists the names); the symbol versions that result are checked by auditwheel.
 *
 * x86_64 only: the old versions and the stat ABI are those of x86_64 glibc.
 */
#if !defined(__x86_64__) || !defined(__linux__)
#error "glibc_2_28.c is for x86_64 Linux (see python/setup.py)"
#endif

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <sys/stat.h>

/* __wrap_NAME: a tail jump to NAME@VERSION (the arguments pass through untouched). */
#define OLD_VERSION(name, version)                                   \
    __asm__(".symver " #name "_old, " #name "@" version "\n"         \
            ".text\n"                                                \
            ".globl __wrap_" #name "\n"                              \
            ".hidden __wrap_" #name "\n"                             \
            ".type __wrap_" #name ", @function\n"                    \
            "__wrap_" #name ":\n"                                    \
            "    jmp " #name "_old@PLT\n"                            \
            ".size __wrap_" #name ", . - __wrap_" #name "\n");

/* Moved from libpthread into libc in glibc 2.34 (and given a new version there). */
OLD_VERSION(pthread_create, "GLIBC_2.2.5")
OLD_VERSION(pthread_join, "GLIBC_2.2.5")
OLD_VERSION(pthread_detach, "GLIBC_2.2.5")
OLD_VERSION(pthread_kill, "GLIBC_2.2.5")
OLD_VERSION(pthread_once, "GLIBC_2.2.5")
OLD_VERSION(pthread_key_create, "GLIBC_2.2.5")
OLD_VERSION(pthread_key_delete, "GLIBC_2.2.5")
OLD_VERSION(pthread_getspecific, "GLIBC_2.2.5")
OLD_VERSION(pthread_setspecific, "GLIBC_2.2.5")
OLD_VERSION(pthread_attr_getstack, "GLIBC_2.2.5")
OLD_VERSION(pthread_attr_getstacksize, "GLIBC_2.2.5")
OLD_VERSION(pthread_attr_setstacksize, "GLIBC_2.2.5")
OLD_VERSION(pthread_mutexattr_init, "GLIBC_2.2.5")
OLD_VERSION(pthread_mutexattr_destroy, "GLIBC_2.2.5")
OLD_VERSION(pthread_mutexattr_settype, "GLIBC_2.2.5")
OLD_VERSION(pthread_mutex_trylock, "GLIBC_2.2.5")
OLD_VERSION(pthread_mutex_timedlock, "GLIBC_2.2.5")
OLD_VERSION(pthread_rwlock_init, "GLIBC_2.2.5")
OLD_VERSION(pthread_rwlock_destroy, "GLIBC_2.2.5")
OLD_VERSION(pthread_rwlock_rdlock, "GLIBC_2.2.5")
OLD_VERSION(pthread_rwlock_wrlock, "GLIBC_2.2.5")
OLD_VERSION(pthread_rwlock_unlock, "GLIBC_2.2.5")
OLD_VERSION(pthread_getname_np, "GLIBC_2.12")
OLD_VERSION(pthread_setname_np, "GLIBC_2.12")
OLD_VERSION(pthread_setaffinity_np, "GLIBC_2.3.4")
OLD_VERSION(sem_init, "GLIBC_2.2.5")
OLD_VERSION(sem_destroy, "GLIBC_2.2.5")
OLD_VERSION(sem_open, "GLIBC_2.2.5")
OLD_VERSION(sem_post, "GLIBC_2.2.5")
OLD_VERSION(sem_wait, "GLIBC_2.2.5")
OLD_VERSION(sem_timedwait, "GLIBC_2.2.5")
OLD_VERSION(dlopen, "GLIBC_2.2.5")
OLD_VERSION(dlsym, "GLIBC_2.2.5")
OLD_VERSION(dlerror, "GLIBC_2.2.5")
OLD_VERSION(dlclose, "GLIBC_2.2.5")
OLD_VERSION(dladdr, "GLIBC_2.2.5")
OLD_VERSION(__libc_start_main, "GLIBC_2.2.5")
/* Given a libc version in glibc 2.32. */
OLD_VERSION(pthread_getattr_np, "GLIBC_2.2.5")
OLD_VERSION(pthread_getaffinity_np, "GLIBC_2.3.4")
OLD_VERSION(pthread_attr_setaffinity_np, "GLIBC_2.3.4")
OLD_VERSION(pthread_sigmask, "GLIBC_2.2.5")
/* New implementations (no SVID error handling) under new versions in glibc 2.29 and 2.35. */
OLD_VERSION(exp, "GLIBC_2.2.5")
OLD_VERSION(exp2, "GLIBC_2.2.5")
OLD_VERSION(log, "GLIBC_2.2.5")
OLD_VERSION(log2, "GLIBC_2.2.5")
OLD_VERSION(pow, "GLIBC_2.2.5")
OLD_VERSION(hypot, "GLIBC_2.2.5")
OLD_VERSION(hypotf, "GLIBC_2.2.5")

/* libstdc++: std::condition_variable::wait got a new version in GCC 12 (GLIBCXX_3.4.30); the one
 * GCC 4.4 onwards exports is the same function. */
OLD_VERSION(_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE, "GLIBCXX_3.4.11")

/* stat, lstat and fstat are functions of glibc since 2.33; before, the headers turned them into
 * __xstat and friends with the stat layout's version (1 on x86_64), which glibc still exports. */
extern int __xstat(int version, const char *path, struct stat *buffer);
extern int __lxstat(int version, const char *path, struct stat *buffer);
extern int __fxstat(int version, int fd, struct stat *buffer);
extern int __fxstatat(int version, int fd, const char *path, struct stat *buffer, int flags);

__attribute__((visibility("hidden"))) int __wrap_stat(const char *path, struct stat *buffer) {
    return __xstat(1, path, buffer);
}
__attribute__((visibility("hidden"))) int __wrap_lstat(const char *path, struct stat *buffer) {
    return __lxstat(1, path, buffer);
}
__attribute__((visibility("hidden"))) int __wrap_fstat(int fd, struct stat *buffer) {
    return __fxstat(1, fd, buffer);
}
__attribute__((visibility("hidden"))) int __wrap_fstatat(int fd, const char *path, struct stat *buffer, int flags) {
    return __fxstatat(1, fd, path, buffer, flags);
}

/* New in glibc 2.29: used where the C library has it, ENOSYS (the caller's error path) where not. */
typedef int (*AddChdir)(posix_spawn_file_actions_t *, const char *);
__attribute__((visibility("hidden"))) int __wrap_posix_spawn_file_actions_addchdir_np(
    posix_spawn_file_actions_t *actions, const char *path) {
    AddChdir function = (AddChdir)dlsym(RTLD_DEFAULT, "posix_spawn_file_actions_addchdir_np");
    return function ? function(actions, path) : ENOSYS;
}

/* glibc 2.32's flag for libstdc++ (GCC 11+), which skips atomic reference counts while it is set:
 * never set here, so they are always atomic, as with a glibc that has no such flag. */
__attribute__((visibility("hidden"))) char __wrap___libc_single_threaded = 0;

/* libstdc++'s std::__throw_bad_array_new_length (GLIBCXX_3.4.29, GCC 11): GCC 8's libstdc++ has no
 * such function; std::bad_array_new_length is a std::bad_alloc, which GCC 8's throws. */
__asm__(".text\n"
        ".globl __wrap__ZSt28__throw_bad_array_new_lengthv\n"
        ".hidden __wrap__ZSt28__throw_bad_array_new_lengthv\n"
        ".type __wrap__ZSt28__throw_bad_array_new_lengthv, @function\n"
        "__wrap__ZSt28__throw_bad_array_new_lengthv:\n"
        "    jmp _ZSt17__throw_bad_allocv@PLT\n"
        ".size __wrap__ZSt28__throw_bad_array_new_lengthv, . - __wrap__ZSt28__throw_bad_array_new_lengthv\n");
