/*
 * The init's last duty without a pid namespace: kill and reap every process the command left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

/* Without a pid namespace nothing kills the command's leftovers when the init exits, so the
   init kills them: every process of its session and every descendant, found through the ppid
   links in /proc (a process that left the session with setsid is still a descendant, and as a
   child subreaper the init inherits every orphan). A process forked during a pass is killed on
   the next one; the loop ends when the init has no child left. */
#define MAX_PID (1 << 22) /* the kernel's PID_MAX_LIMIT on 64-bit */
static unsigned char in_tree[MAX_PID / 8];

static pid_t parent_of(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *end = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
  int ppid;
  return end && sscanf(end + 1, " %*c %d", &ppid) == 1 ? ppid : -1;
}

static void kill_leftovers(pid_t self) {
  static pid_t pids[MAX_PID / 16], ppids[MAX_PID / 16];
  size_t n = 0;
  DIR *d = opendir("/proc");
  struct dirent *e;
  while (d && (e = readdir(d)) && n < sizeof pids / sizeof pids[0]) {
    pid_t pid = atoi(e->d_name);
    if (pid <= 0 || pid >= MAX_PID || pid == self) continue;
    pid_t ppid = parent_of(pid);
    if (ppid < 0 || ppid >= MAX_PID) continue;
    pids[n] = pid;
    ppids[n++] = ppid;
  }
  if (d) closedir(d);
  memset(in_tree, 0, sizeof in_tree);
  in_tree[self / 8] |= 1 << (self % 8);
  for (bool grown = true; grown;) { /* /proc lists parents before most children: few passes */
    grown = false;
    for (size_t i = 0; i < n; i++) {
      bool known = in_tree[pids[i] / 8] & 1 << (pids[i] % 8);
      if (!known && (in_tree[ppids[i] / 8] & 1 << (ppids[i] % 8) || getsid(pids[i]) == self)) {
        in_tree[pids[i] / 8] |= 1 << (pids[i] % 8);
        grown = true;
      }
    }
  }
  for (size_t i = 0; i < n; i++)
    if (in_tree[pids[i] / 8] & 1 << (pids[i] % 8)) kill(pids[i], SIGKILL);
}

void reap_leftovers(void) {
  pid_t self = getpid();
  for (;;) {
    kill_leftovers(self);
    if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD) return;
  }
}
