/* The LaunchPlan (corral/v1/corral.proto, version 1) as corral-init holds it after decoding. */
#ifndef CORRAL_PLAN_H
#define CORRAL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what one plan may carry; a plan beyond them is refused, never truncated. */
#define PLAN_MAX_BYTES (1u << 20)
#define PLAN_MAX_STRINGS 4096 /* argv entries, and environment entries */
#define PLAN_MAX_MOUNTS 256
#define PLAN_MAX_RLIMITS 64
#define PLAN_MAX_GROUPS 256
#define PLAN_MAX_JOINS 64

struct plan_mount {
  char *source, *target, *type, *data; /* NULL when unset */
  uint64_t flags;
  bool create_target;
};

struct plan_rlimit {
  uint32_t resource;
  uint64_t soft, hard;
};

struct plan {
  uint32_t version;
  int clone_flags; /* CLONE_NEW* bits of clone_namespaces */
  struct plan_mount mounts[PLAN_MAX_MOUNTS];
  size_t n_mounts;
  char *env[PLAN_MAX_STRINGS + 1]; /* NULL-terminated */
  size_t n_env;
  char *argv[PLAN_MAX_STRINGS + 1]; /* NULL-terminated */
  size_t n_argv;
  char *working_directory, *hostname, *status_path, *stdin_path, *stdout_path;
  struct plan_rlimit rlimits[PLAN_MAX_RLIMITS];
  size_t n_rlimits;
  bool has_uid, has_gid, has_effective, has_bounding, no_new_privileges;
  uint32_t uid, gid;
  uint32_t groups[PLAN_MAX_GROUPS];
  size_t n_groups;
  uint64_t effective, bounding;
  char *join_cgroups[PLAN_MAX_JOINS]; /* cgroup v1 "tasks" files the init writes "0" into */
  size_t n_join_cgroups;
  char *rootfs; /* an absolute path the init pivots into after the mounts, or NULL */
  /* Bounded logs: with max_stdout_size > 0, stdout_path and stderr_path are rotated files. */
  char *stderr_path;
  uint64_t max_stdout_size, max_stderr_size;
  uint32_t stdout_rotate, stderr_rotate;
};

/*
 * Decodes a binary corral.v1.LaunchPlan into *p (which must be zeroed). Returns 0, or -1 with a
 * message in err: unknown field numbers, wrong wire types, truncation, missing required fields,
 * values out of range, bounds exceeded and a version other than 1 are all refused.
 */
int plan_decode(const uint8_t *buf, size_t len, struct plan *p, char *err, size_t errlen);

/* Frees every string of *p, whole or partly decoded (corral-init never needs to: it execs). */
void plan_free(struct plan *p);

#endif
