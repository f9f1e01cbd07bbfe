#define _GNU_SOURCE
#include "process_control.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

// Everything between fork and exec is async-signal-safe: the parent is multithreaded, so the
// child may not allocate or take locks.
static void fail(int status_fd, int error) {
    if (status_fd >= 0) {
        ssize_t ignored = write(status_fd, &error, sizeof error);
        (void)ignored;
    }
    _exit(127);
}

// Marks every descriptor from 3 up close-on-exec: the status pipe must stay open until exec
// reports success, and the gate is read before exec, so they are not closed outright.
static void cloexec_from_3(void) {
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    // Kernels before 5.11: walk the descriptor table up to the open-file limit.
    struct rlimit limit;
    int max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < (rlim_t)max) {
        max = (int)limit.rlim_cur;
    }
    for (int fd = 3; fd < max; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

pid_t swarm_fork_exec(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      const int stdio_fds[3], int new_group, int death_signal,
                      int gate_fd, int gate_write_fd, int status_fd) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return -errno;
    if (pid > 0) return pid;

    if (new_group && setpgid(0, 0) != 0) fail(status_fd, errno);
    if (death_signal > 0) {
        if (prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0) != 0) fail(status_fd, errno);
        // The parent may have died before prctl: then no signal will ever come.
        if (getppid() != parent) _exit(127);
    }
    struct sigaction dfl;
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = 0;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int i = 0; i < 3; i++) {
        if (stdio_fds[i] < 0) continue;
        // dup2 onto itself keeps close-on-exec, so clear it by hand.
        if (stdio_fds[i] == i) {
            if (fcntl(i, F_SETFD, 0) < 0) fail(status_fd, errno);
        } else if (dup2(stdio_fds[i], i) < 0) {
            fail(status_fd, errno);
        }
    }
    if (cwd && chdir(cwd) != 0) fail(status_fd, errno);
    cloexec_from_3();
    if (gate_fd >= 0) {
        if (gate_write_fd >= 0) close(gate_write_fd);
        char byte;
        while (read(gate_fd, &byte, 1) < 0 && errno == EINTR) {}
        close(gate_fd);
        if (death_signal > 0 && getppid() != parent) _exit(127);
    }
    execve(path, argv, envp);
    fail(status_fd, errno);
    return -1;
}

int swarm_pipe2(int fds[2], int flags) {
    return pipe2(fds, flags);
}

int swarm_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -errno;
}

int swarm_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0) == 0 ? 0 : -errno;
}
