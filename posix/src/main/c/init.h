/* What corral_init.c and mounts.c share. */
#ifndef CORRAL_INIT_H
#define CORRAL_INIT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "plan.h"

/* One line "ERR <step> <errno> <message>" on the status pipe, then _exit(127). err = errno, or 0
   for a refusal. */
noreturn void die(const char *step, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* In a new mount namespace: every mount a slave, then the plan's mounts; dies on a failure. */
void apply_mounts(const struct plan *plan);

/* mkdir -p with mode 0755; -1 with errno set on a failure. */
int mkdir_p(const char *path);

/* With a rootfs (after the mounts): pivot_root(2) into it, detach the old root, chdir "/" and
   make /dev's symlinks when /dev is a tmpfs; dies on a failure. Without one, nothing. */
void enter_rootfs(const struct plan *plan);

/* Without a pid namespace, after the command's exit: kills every process of the init's session
   and every descendant, and reaps them, until the init has no child left. */
void reap_leftovers(void);

/* One rotated log (logs.c): the directory it lives in, its name there, the current file. */
struct log_file {
  int dir, fd;
  const char *name;
  uint64_t max, size;
  uint32_t rotate;
  bool owner_set;
  uid_t uid;
  gid_t gid;
};

/* Opens the log at the absolute path for appending (before any pivot_root); dies on a failure. */
void log_open(struct log_file *l, const char *path, uint64_t max, uint32_t rotate);

/* Drains the pipes out and err into logs[0] and logs[1] until the command child has exited (and
   reaps every other child meanwhile); returns its raw wait status. SIGCHLD must be in blocked,
   the mask in force; it is let through only while waiting. */
int log_pump(pid_t child, int out, int err, struct log_file logs[2], const sigset_t *blocked);

#endif
