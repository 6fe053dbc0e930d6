/*
 * The mounts of a plan, applied by the init in its new mount namespace: propagation first (every
 * mount a slave, also where "/" is not a mount point), then the plan's mounts in order.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include <unistd.h>

#include "init.h"
#include "plan.h"

int mkdir_p(const char *path) {
  char buf[4096];
  if (!*path) return errno = ENOENT, -1;
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
  for (char *s = buf + 1;; s++) {
    if (*s != '/' && *s != 0) continue;
    char c = *s;
    *s = 0;
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
    if (!(*s = c)) return 0;
  }
}

/* create_target: an empty file when the source is not a directory (a file bind), else a directory. */
static void create_target(const struct plan_mount *m) {
  struct stat st;
  if (lstat(m->target, &st) == 0) return;
  if (m->source && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode)) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", m->target);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) *slash = 0;
    if (slash && slash != dir && mkdir_p(dir) < 0) die("mount", errno, "mkdir '%s'", dir);
    int fd = open(m->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) die("mount", errno, "create '%s'", m->target);
    close(fd);
  } else if (mkdir_p(m->target) < 0) {
    die("mount", errno, "mkdir '%s'", m->target);
  }
}

/* The first subdirectory of "/" (any will do), or NULL. */
static const char *some_subdirectory(char *name, size_t len) {
  DIR *d = opendir("/");
  struct dirent *e;
  const char *found = NULL;
  while (d && (e = readdir(d)) && !found) {
    struct stat st;
    bool dir = e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                                       && S_ISDIR(st.st_mode));
    if (!dir || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (snprintf(name, len, "/%s", e->d_name) < (int)len) found = name;
  }
  if (d) closedir(d);
  return found;
}

/* "/" is not a mount point: the agent runs chrooted into a directory, whose mount (shared on
   systemd hosts) cannot be named from inside. This steps out to the real root of the new mount
   namespace: chroot into a subdirectory while the working directory stays above it, then ".."
   up to the top, and chroot there. */
static void step_out_to_namespace_root(void) {
  char sub[300];
  struct stat here, up;
  if (!some_subdirectory(sub, sizeof sub)) die("mount", 0, "'/' is not a mount point and has no subdirectory to step out by");
  if (chdir("/") < 0 || chroot(sub) < 0) die("mount", errno, "chroot '%s'", sub);
  for (int i = 0; i < 4096; i++) {
    if (stat(".", &here) < 0 || stat("..", &up) < 0) die("mount", errno, "stat '..'");
    if (here.st_dev == up.st_dev && here.st_ino == up.st_ino) break;
    if (chdir("..") < 0) die("mount", errno, "chdir '..'");
  }
  if (chroot(".") < 0) die("mount", errno, "chroot to the namespace's root");
}

/* Marks every mount of the namespace a slave from its real root, then returns to the same root
   and working directory. Only this namespace's view changes; nothing is mounted. */
static void make_slave_from_outside(void) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0 || cwd < 0) die("mount", errno, "open '/' or '.'");
  step_out_to_namespace_root();
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    die("mount", errno, "mount the namespace's '/' flags=MS_REC|MS_SLAVE");
  if (fchdir(root) < 0 || chroot(".") < 0 || fchdir(cwd) < 0) die("mount", errno, "return to the root");
  close(root);
  close(cwd);
}

void apply_mounts(const struct plan *plan) {
  if (!(plan->clone_flags & CLONE_NEWNS)) return;
  /* NOTE: a new mount namespace starts with copies of the host's mounts, and on systemd hosts
     they are shared: without this, our mounts (a private /proc) would propagate to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
    if (errno != EINVAL) die("mount", errno, "mount '/' flags=MS_REC|MS_SLAVE");
    make_slave_from_outside(); /* EINVAL: "/" is not a mount point */
  }
  for (size_t i = 0; i < plan->n_mounts; i++) {
    const struct plan_mount *m = &plan->mounts[i];
    if (m->create_target) create_target(m);
    if (mount(m->source, m->target, m->type, m->flags, m->data) < 0)
      die("mount", errno, "mount src='%s' dst='%s' type='%s' flags=%#llx", m->source ? m->source : "",
          m->target, m->type ? m->type : "", (unsigned long long)m->flags);
  }
}

/* The links a container's /dev holds besides its nodes (as Mesos' filesystem/linux makes them),
   made only where /dev is a tmpfs of the container's own (filesystem/linux mounts one): a
   rootfs's own /dev is left as its image made it. An existing entry is kept. */
static void dev_symlinks(void) {
  static const char *const links[][2] = {{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
                                         {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
                                         {"pts/ptmx", "/dev/ptmx"}};
  struct statfs fs;
  if (statfs("/dev", &fs) < 0 || fs.f_type != TMPFS_MAGIC) return;
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST)
      die("rootfs", errno, "symlink '%s' -> '%s'", links[i][1], links[i][0]);
}

void enter_rootfs(const struct plan *plan) {
  if (!plan->rootfs) return;
  int fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die("rootfs", errno, "open '%s'", plan->rootfs);
  if (fchdir(fd) < 0) die("rootfs", errno, "chdir '%s'", plan->rootfs);
  /* pivot_root(".", "."): the old root ends up stacked on the new one, and is detached below. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    /* NOTE: EINVAL also when "/" is not a mount point (an agent run chrooted): retry from the
       namespace's real root. A rootfs that is no mount point fails again, and is named. */
    if (errno != EINVAL) die("rootfs", errno, "pivot_root '%s'", plan->rootfs);
    step_out_to_namespace_root();
    if (fchdir(fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
      die("rootfs", errno, "pivot_root '%s' (it must be a mount point)", plan->rootfs);
  }
  if (umount2(".", MNT_DETACH) < 0) die("rootfs", errno, "umount2 the old root");
  if (chdir("/") < 0) die("rootfs", errno, "chdir '/'");
  close(fd);
  dev_symlinks();
}
