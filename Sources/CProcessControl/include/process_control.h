#ifndef SWARM_PROCESS_CONTROL_H
#define SWARM_PROCESS_CONTROL_H

#include <sys/types.h>

/// Forks and execs `path` with `argv` and `envp` (both NULL-terminated, prepared before the call:
/// the child runs only async-signal-safe calls).
///
/// In the child, in order: a new process group (`new_group`), the parent-death signal
/// (`death_signal`, 0 for none; the child exits at once if the parent is already gone), default
/// dispositions and an empty mask for every signal, stdin/stdout/stderr from `stdio_fds` (-1:
/// inherit), `cwd` (NULL: keep), every descriptor from 3 up marked close-on-exec (the program
/// inherits only stdin, stdout and stderr), then it waits for `gate_fd` to reach end of file (-1:
/// no gate; `gate_write_fd` is the other end, closed in the child), then execs. A failure
/// after the fork is reported as an errno on `status_fd` (close-on-exec: end of file means the
/// exec worked).
///
/// Returns the child's pid, or -errno when fork fails.
pid_t swarm_fork_exec(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      const int stdio_fds[3], int new_group, int death_signal,
                      int gate_fd, int gate_write_fd, int status_fd);

/// `pipe2(2)`, which Swift's Glibc module does not import without `_GNU_SOURCE`.
int swarm_pipe2(int fds[2], int flags);

/// Marks the calling process a child subreaper: orphaned descendants are re-parented to it
/// instead of to init. Returns 0 or -errno.
int swarm_set_child_subreaper(void);

/// Sets the calling thread's parent-death signal. Returns 0 or -errno.
int swarm_set_parent_death_signal(int signal);

#endif
