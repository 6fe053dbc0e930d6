/*
 * Bounded container logs (the logrotate container logger): with a plan that sets max sizes, the
 * command's stdout and stderr are pipes that the init drains into the sandbox's files, rotating
 * a file before it would exceed its max size: "<name>.<n-1>" becomes "<name>.<n>", ...,
 * "<name>" becomes "<name>.1", keeping <rotate> rotated files (none: the file is truncated).
 * The init drains the pipes whatever the agent does, so a slow or stopped agent never blocks
 * the command; output the disk refuses (ENOSPC) is dropped, never waited for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

/* Opens (creating, appending) the file "name" in dir as the log's current file: no link, no FIFO. */
static int open_current(struct log_file *l) {
  int fd = openat(l->dir, l->name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  if (l->owner_set) {
    if (fchown(fd, l->uid, l->gid) < 0) { /* the old file's owner: best effort */
    }
  } else {
    l->uid = st.st_uid;
    l->gid = st.st_gid;
    l->owner_set = true;
  }
  l->size = (uint64_t)st.st_size;
  return fd;
}

void log_open(struct log_file *l, const char *path, uint64_t max, uint32_t rotate) {
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path || (size_t)(slash - path) >= sizeof dir || !slash[1])
    die("stdio", 0, "log path '%s' is not an absolute file path", path);
  memcpy(dir, path, (size_t)(slash - path));
  dir[slash - path] = 0;
  l->dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (l->dir < 0) die("stdio", errno, "open '%s'", dir);
  l->name = slash + 1;
  l->max = max;
  l->rotate = rotate;
  l->fd = open_current(l);
  if (l->fd < 0) die("stdio", errno, "open '%s'", path);
}

static void rotate(struct log_file *l) {
  if (l->rotate == 0) {
    if (ftruncate(l->fd, 0) == 0) l->size = 0;
    return;
  }
  char from[NAME_MAX + 16], to[NAME_MAX + 16];
  for (uint32_t i = l->rotate; i >= 1; i--) {
    snprintf(to, sizeof to, "%s.%u", l->name, i);
    if (i == 1)
      snprintf(from, sizeof from, "%s", l->name);
    else
      snprintf(from, sizeof from, "%s.%u", l->name, i - 1);
    renameat(l->dir, from, l->dir, to); /* rename(2) moves a link itself, never its target */
  }
  close(l->fd);
  l->fd = open_current(l); /* -1: the user put something else there; the output is dropped */
}

/* Writes n bytes to the log, rotating so that no file exceeds its max size. */
static void log_write(struct log_file *l, const char *buf, size_t n) {
  while (n > 0 && l->fd >= 0) {
    if (l->size >= l->max) {
      rotate(l);
      if (l->fd < 0 || l->size >= l->max) return;
    }
    size_t room = (size_t)(l->max - l->size);
    ssize_t w = write(l->fd, buf, n < room ? n : room);
    if (w < 0) {
      if (errno == EINTR) continue;
      return; /* ENOSPC and the like: drop, never block the command */
    }
    l->size += (uint64_t)w;
    buf += w;
    n -= (size_t)w;
  }
}

/* Reads what the pipe holds now into the log; returns 0 at end of file, 1 otherwise. */
static int drain(int fd, struct log_file *l) {
  static char buf[64 * 1024];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      log_write(l, buf, (size_t)n);
      continue;
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    return errno == EAGAIN ? 1 : 0;
  }
}

static void on_child(int sig) {
  (void)sig; /* only interrupts ppoll */
}

int log_pump(pid_t child, int out, int err, struct log_file logs[2], const sigset_t *blocked) {
  struct sigaction sa = {.sa_handler = on_child};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, NULL);
  fcntl(out, F_SETFL, O_NONBLOCK);
  fcntl(err, F_SETFL, O_NONBLOCK);
  sigset_t open_mask = *blocked;
  sigdelset(&open_mask, SIGCHLD);
  int fds[2] = {out, err}, status = 0;
  for (;;) {
    pid_t w;
    while ((w = waitpid(-1, &status, WNOHANG)) > 0) /* reaps orphans too */
      if (w == child) {
        for (int i = 0; i < 2; i++)
          if (fds[i] >= 0) drain(fds[i], &logs[i]); /* what it wrote before it exited */
        return status;
      }
    if (w < 0 && errno == ECHILD) return status;
    struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    if (ppoll(p, 2, NULL, &open_mask) < 0) continue; /* EINTR: a child ended or a signal came */
    for (int i = 0; i < 2; i++)
      if (fds[i] >= 0 && p[i].revents && !drain(fds[i], &logs[i])) {
        close(fds[i]);
        fds[i] = -1;
      }
  }
}
