/*
 * corral-init: the launch helper of Corral (see DESIGN.md, "The launch helper").
 *
 * P0 (this process, spawned by the agent with fd 0 = sync pipe, fd 1 = status pipe) reads a
 * length-prefixed LaunchPlan, opens the command's stdio and the status file, clones the init C1
 * into the plan's namespaces, reports "PID <c1>" and waits for C1. C1 waits for the go byte,
 * applies the plan, forks the command C2, reports "CHILD <c2>", forwards signals to C2, reaps
 * every child and records C2's raw wait status. C2 switches user and capabilities and execs.
 * When the plan lists cgroups to join, C1 first moves itself into each of them and P0 reports
 * "PID" only once it has (a C1 that cannot join reports ERR and exits: P0 then reports nothing).
 * Any failure is one line "ERR <step> <errno> <message>" on the status pipe.
 */
#define _GNU_SOURCE
#if !defined(__x86_64__) && !defined(__aarch64__)
#error "corral-init is built for x86_64 and aarch64 only, the architectures whose kernel ABI the agent knows"
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "plan.h"

#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270

extern char **environ;

static struct plan plan;
static int status_fd = 1;  /* write end of the status pipe */
static int sync_fd = 0;    /* read end of the sync pipe */
static int status_file = -1;
/* C1 -> P0: one byte once C1 has joined the plan's cgroups (only when it has any to join). */
static int joined[2] = {-1, -1};
/* 0: no command yet, > 0: the command's pid, -1: the command has been reaped. */
static volatile sig_atomic_t forward_to;
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
/* With bounded logs: the rotated stdout and stderr files, opened by P0 and drained into by C1. */
static struct log_file logs[2];
#define ROTATING (plan.max_stdout_size > 0)

/* One line on the status pipe; a line under PIPE_BUF is written atomically by C1 and C2 alike. */
static void report(const char *fmt, ...) {
  char line[4000];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof line - 2) n = sizeof line - 2;
  for (int i = 0; i < n; i++)
    if (line[i] == '\n') line[i] = ' '; /* a path with a newline must not split the line */
  line[n++] = '\n';
  while (write(status_fd, line, n) < 0 && errno == EINTR) {
  }
}

/* Reports a failed step (err = errno, or 0 for a refusal) and exits (init.h). */
noreturn void die(const char *step, int err, const char *fmt, ...) {
  char msg[3500];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (err) {
    const char *name = strerrorname_np(err);
    report("ERR %s %d %s: %s (%s)", step, err, msg, name ? name : "E?", strerror(err));
  } else {
    report("ERR %s 0 %s", step, msg);
  }
  _exit(127);
}

static ssize_t read_full(int fd, void *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = read(fd, (char *)buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += (size_t)n;
  }
  return (ssize_t)done;
}

static void read_plan(void) {
  uint8_t hdr[4];
  char err[512];
  if (read_full(0, hdr, 4) != 4) die("plan", 0, "short read of the plan length");
  uint32_t len = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
  if (len > PLAN_MAX_BYTES) die("plan", 0, "plan of %u bytes exceeds the limit of %u", len, PLAN_MAX_BYTES);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) die("plan", ENOMEM, "malloc %u", len);
  ssize_t n = read_full(0, buf, len);
  if (n < 0) die("plan", errno, "read");
  if ((size_t)n != len) die("plan", 0, "short read: %zd of %u bytes", n, len);
  if (plan_decode(buf, len, &plan, err, sizeof err)) die("plan", 0, "%s", err);
  free(buf);
  /* What the helper cannot do, it refuses up front rather than ignoring it later. */
  if (plan.n_argv == 0) die("plan", 0, "plan has no argv");
  if (!plan.status_path) die("status", 0, "plan has no status_path");
  if (!plan.stdout_path) die("stdio", 0, "plan has no stdout_path");
  if (plan.n_mounts && !(plan.clone_flags & CLONE_NEWNS)) die("mount", 0, "mounts need a mount namespace");
  if (plan.rootfs && !(plan.clone_flags & CLONE_NEWNS)) die("rootfs", 0, "a rootfs needs a mount namespace");
  if (plan.hostname && !(plan.clone_flags & CLONE_NEWUTS)) die("hostname", 0, "a hostname needs a UTS namespace");
}

/* Opens a stdio path for the command. "/proc/<agent pid>/fd/<n>" names one of the agent's own
   descriptors (corral run's terminal or redirect): it is duplicated with pidfd_getfd(2) so that
   the command shares the agent's open file description, offset included, as an inherited
   descriptor would; re-opening the path would make a second description of a regular file whose
   writes overwrite the shell's. Where the kernel refuses (no pidfd_getfd, ptrace restrictions for
   a non-root agent) the path is opened as any other. */
static int open_stdio(const char *path, int flags) {
  int pid, n, end = 0;
  if (sscanf(path, "/proc/%d/fd/%d%n", &pid, &n, &end) == 2 && path[end] == 0 && pid == getppid()) {
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0) {
      int fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0); /* the new fd is close-on-exec */
      close(pidfd);
      if (fd >= 0) return fd;
    }
  }
  return open(path, flags | O_CLOEXEC, 0644);
}

/* Moves the pipes to close-on-exec fds >= 3 and puts the command's stdin/stdout on fds 0 and 1. */
static void setup_fds(void) {
  if ((sync_fd = fcntl(0, F_DUPFD_CLOEXEC, 3)) < 0) die("stdio", errno, "fcntl F_DUPFD_CLOEXEC");
  int st = fcntl(1, F_DUPFD_CLOEXEC, 3);
  if (st < 0) die("stdio", errno, "fcntl F_DUPFD_CLOEXEC");
  status_fd = st;
  const char *in_path = plan.stdin_path ? plan.stdin_path : "/dev/null";
  int in = open_stdio(in_path, O_RDONLY);
  if (in < 0) die("stdio", errno, "open '%s'", in_path);
  int out = open_stdio(plan.stdout_path, O_WRONLY | O_APPEND | O_CREAT);
  if (out < 0) die("stdio", errno, "open '%s'", plan.stdout_path);
  status_file = open(plan.status_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (status_file < 0) die("status", errno, "open '%s'", plan.status_path);
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0) die("stdio", errno, "dup2");
  close(in);
  close(out);
  if (ROTATING) {
    log_open(&logs[0], plan.stdout_path, plan.max_stdout_size, plan.stdout_rotate);
    log_open(&logs[1], plan.stderr_path, plan.max_stderr_size, plan.stderr_rotate);
  }
}

static void on_signal(int sig) {
  pid_t to = forward_to;
  if (to > 0)
    kill(to, sig);
  else if (to == 0 && (sig == SIGTERM || sig == SIGINT || sig == SIGHUP))
    _exit(128 + sig);
}

static void apply_init_steps(void) {
  apply_mounts(&plan);
  enter_rootfs(&plan);
  if (plan.hostname && sethostname(plan.hostname, strlen(plan.hostname)) < 0)
    die("hostname", errno, "sethostname '%s'", plan.hostname);
  /* In a rootfs, a missing working directory (an image's WorkingDir) is created, owned by root,
     as Mesos' launch helper does: inside the container, so the image's symlinks stay inside. */
  if (plan.working_directory && chdir(plan.working_directory) < 0
      && !(plan.rootfs && errno == ENOENT && mkdir_p(plan.working_directory) == 0 && chdir(plan.working_directory) == 0))
    die("chdir", errno, "chdir '%s'", plan.working_directory);
}

/* In C2 only: the container's limits (RLIMIT_NOFILE, NPROC, AS...) must never bind the init,
   which has to open /proc, reap and kill whatever the command leaves behind. Before
   the switch of user, while raising a hard limit is still allowed. */
static void apply_rlimits(void) {
  for (size_t i = 0; i < plan.n_rlimits; i++) {
    const struct plan_rlimit *l = &plan.rlimits[i];
    struct rlimit rl = {.rlim_cur = l->soft, .rlim_max = l->hard}; /* RLIM_INFINITY is 2^64-1 */
    if (setrlimit((__rlimit_resource_t)l->resource, &rl) < 0)
      die("rlimit", errno, "setrlimit resource=%u soft=%llu hard=%llu", l->resource,
          (unsigned long long)l->soft, (unsigned long long)l->hard);
  }
}

/*
 * In C2 only, so the init stays root and can always signal, kill and reap what it started.
 * Order: SECBIT_NOROOT and the bounding set while still privileged, keep the permitted set across setuid,
 * switch user, then set effective = permitted = inheritable = ambient to the plan's mask
 * (ambient is what carries capabilities across exec for a non-root user).
 */
static void apply_user_and_capabilities(void) {
  /* NOTE: without SECBIT_NOROOT, exec as uid 0 makes the permitted (and effective) set the
     whole bounding set again, so a root command would not run with exactly the plan's sets
     when the bounding set is wider. Needs CAP_SETPCAP: set first, while still privileged. */
  if (plan.has_effective && prctl(PR_SET_SECUREBITS, SECBIT_NOROOT, 0, 0, 0) < 0)
    die("capabilities", errno, "prctl PR_SET_SECUREBITS SECBIT_NOROOT");
  if (plan.has_bounding)
    for (int cap = 0; cap < 64; cap++) {
      if (plan.bounding >> cap & 1) continue;
      if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) break; /* EINVAL: past the last capability */
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) die("capabilities", errno, "prctl PR_CAPBSET_DROP %d", cap);
    }
  if (plan.has_effective && plan.has_uid && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    die("capabilities", errno, "prctl PR_SET_KEEPCAPS");
  if ((plan.has_uid || plan.has_gid || plan.n_groups) && setgroups(plan.n_groups, plan.groups) < 0)
    die("user", errno, "setgroups");
  if (plan.has_gid && setgid(plan.gid) < 0) die("user", errno, "setgid %u", plan.gid);
  if (plan.has_uid && setuid(plan.uid) < 0) die("user", errno, "setuid %u", plan.uid);
  if (plan.has_effective) {
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    for (int i = 0; i < 2; i++) d[i].effective = d[i].permitted = d[i].inheritable = (uint32_t)(plan.effective >> (32 * i));
    if (syscall(SYS_capset, &h, d) < 0) die("capabilities", errno, "capset %#llx", (unsigned long long)plan.effective);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) die("capabilities", errno, "prctl PR_CAP_AMBIENT_CLEAR_ALL");
    for (int cap = 0; cap < 64; cap++)
      if ((plan.effective >> cap & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        die("capabilities", errno, "prctl PR_CAP_AMBIENT_RAISE %d", cap);
  }
  if (plan.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die("no_new_privileges", errno, "prctl PR_SET_NO_NEW_PRIVS");
}

static noreturn void command_main(void) {
  sigset_t none;
  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL); /* SIGPIPE was ignored; EINVAL for KILL/STOP is fine */
  sigprocmask(SIG_SETMASK, &none, NULL);
  apply_rlimits();
  apply_user_and_capabilities();
  environ = plan.env;
  execvp(plan.argv[0], plan.argv); /* looks argv[0] up in the plan's PATH */
  die("exec", errno, "exec '%s'", plan.argv[0]);
}

/* NOTE: pid 1 of a pid namespace gets only the signals it has a handler for (and SIGKILL/SIGSTOP
   from an ancestor namespace), so forwarding needs handlers, not default dispositions. P0
   installs them before the clone so that C1 has them from its first instruction: a signal sent
   as soon as "PID" is read must not be dropped. */
static void set_handlers(void (*handler)(int)) {
  struct sigaction sa = {.sa_handler = handler};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaction(forwarded[i], &sa, NULL);
}

/* Moves C1 into the plan's cgroups by writing "0" (the writer itself) to each v1 "tasks" file:
   the kernel then needs no global threadgroup lock, which moving a process by pid takes and
   which waits for an RCU grace period. Everything C1 forks later is born inside them. */
static void join_cgroups(void) {
  if (!plan.n_join_cgroups) return;
  close(joined[0]);
  for (size_t i = 0; i < plan.n_join_cgroups; i++) {
    const char *path = plan.join_cgroups[i];
    struct statfs fs;
    /* The decoder let through only .../tasks and .../cgroup.procs; the file system must be a
       cgroup one too, checked on what was opened (no race with the path), before any write.
       O_NONBLOCK: a FIFO of that name must not hang the init. */
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) die("cgroup", errno, "open '%s'", path);
    if (fstatfs(fd, &fs) < 0) die("cgroup", errno, "fstatfs '%s'", path);
    if (fs.f_type != CGROUP_SUPER_MAGIC && fs.f_type != CGROUP2_SUPER_MAGIC)
      die("cgroup", 0, "join_cgroups file '%s' is not on a cgroup file system", path);
    ssize_t n;
    while ((n = write(fd, "0", 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) die("cgroup", n < 0 ? errno : EIO, "write '0' to '%s'", path);
    close(fd);
  }
  while (write(joined[1], "J", 1) < 0 && errno == EINTR) {
  }
  close(joined[1]);
}

static noreturn void init_main(void) {
  bool own_pid_ns = plan.clone_flags & CLONE_NEWPID;
  join_cgroups();
  /* A session of its own: its pid becomes the session id that marks the container's processes
     when there is no pid namespace (see reap_leftovers and the agent's kill). */
  setsid();
  if (!own_pid_ns && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) die("clone", errno, "prctl PR_SET_CHILD_SUBREAPER");
  char go = 0;
  ssize_t n;
  while ((n = read(sync_fd, &go, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1 || go != 'G') _exit(1); /* the agent aborted the launch */
  close(sync_fd);
  apply_init_steps();

  sigset_t block, old;
  sigemptyset(&block);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&block, forwarded[i]);
  sigaddset(&block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &block, &old); /* no signal is lost or run in C2 between fork and forward_to */
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (ROTATING && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)) die("stdio", errno, "pipe2");
  pid_t child = fork();
  if (child < 0) die("fork", errno, "fork");
  if (child == 0) {
    if (ROTATING && (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)) die("stdio", errno, "dup2");
    command_main();
  }
  forward_to = child;
  sigset_t running = old;
  sigaddset(&running, SIGCHLD); /* let through only while log_pump waits */
  sigprocmask(SIG_SETMASK, ROTATING ? &running : &old, NULL);
  report("CHILD %d", child);
  close(status_fd);

  int status;
  if (ROTATING) {
    close(out[1]);
    close(err[1]);
    status = log_pump(child, out[0], err[0], logs, &running);
  } else {
    for (;;) {
      pid_t w = waitpid(-1, &status, 0); /* reaps orphans too: we are their (sub)reaper */
      if (w == child) break;
      if (w < 0 && errno != EINTR) _exit(1);
    }
  }
  forward_to = -1;
  char text[16];
  int len = snprintf(text, sizeof text, "%d", status);
  while (write(status_file, text, len) < 0 && errno == EINTR) {
  }
  close(status_file);
  if (!own_pid_ns) reap_leftovers(); /* in a pid namespace the kernel kills the rest when we exit */
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* Closes every descriptor above 2: the agent spawns us straight from a JVM, whose descriptors
   are not all close-on-exec, and none of them may reach the container. */
static void close_inherited(void) {
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
  if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
  /* Before Linux 5.9: walk /proc/self/fd (the directory's own fd is skipped). */
  DIR *dir = opendir("/proc/self/fd");
  if (!dir) die("stdio", errno, "opendir '/proc/self/fd'");
  int keep = dirfd(dir);
  for (struct dirent *e; (e = readdir(dir));) {
    int fd = atoi(e->d_name);
    if (fd > 2 && fd != keep) close(fd);
  }
  closedir(dir);
}

int main(void) {
  /* The agent executes us from a sealed memfd as /proc/self/fd/<n>, so the kernel named us
     "<n>": take back the name that the agent's recovery and ps(1) know us by. */
  prctl(PR_SET_NAME, "corral-init", 0, 0, 0);
  close_inherited();
  /* The agent may die: its pipes then give EPIPE instead of killing us. */
  signal(SIGPIPE, SIG_IGN);
  read_plan();
  setup_fds();
  /* Leave the agent's process group, so a Ctrl-C on its terminal does not kill the helper and
     leave the init unwatched; the agent destroys the container itself. */
  setsid();
  set_handlers(on_signal);
  if (plan.n_join_cgroups && pipe2(joined, O_CLOEXEC) < 0) die("cgroup", errno, "pipe2");
  /* A fork-like clone (no new stack): safe because P0 is single-threaded. */
  pid_t init = (pid_t)syscall(SYS_clone, (unsigned long)plan.clone_flags | SIGCHLD, 0, 0, 0, 0);
  if (init < 0) die("clone", errno, "clone flags=%#x", plan.clone_flags);
  if (init == 0) init_main();
  set_handlers(SIG_DFL);
  bool report_pid = true;
  if (plan.n_join_cgroups) {
    close(joined[1]);
    char j = 0;
    ssize_t n;
    while ((n = read(joined[0], &j, 1)) < 0 && errno == EINTR) {
    }
    close(joined[0]);
    report_pid = n == 1; /* otherwise C1 has reported ERR and exited */
  }
  if (report_pid) report("PID %d", init);
  close(status_fd);
  close(sync_fd);
  close(status_file);
  close(0);
  close(1);
  int status;
  while (waitpid(init, &status, 0) < 0)
    if (errno != EINTR) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
