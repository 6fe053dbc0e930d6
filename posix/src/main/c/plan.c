/*
 * A minimal protobuf wire-format decoder for corral.v1.LaunchPlan: varints and length-delimited
 * values only (the plan uses no fixed32/fixed64), repeated scalars packed or not. Anything it
 * does not know is refused with the field number named, so a plan never asks for something
 * that is silently not done.
 */
#define _GNU_SOURCE
#include "plan.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
  const uint8_t *p, *end;
};

struct field {
  uint64_t num;
  int wire_type;
  uint64_t v;         /* wire type 0 */
  struct reader sub;  /* wire type 2 */
};

static char *err_buf;
static size_t err_len;

static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err_buf, err_len, fmt, ap);
  va_end(ap);
  return -1;
}

static int varint(struct reader *r, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->p == r->end) return -1;
    uint8_t b = *r->p++;
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return -1; /* more than 10 bytes */
}

static int next_field(struct reader *r, const char *msg, struct field *f) {
  uint64_t tag, n;
  if (varint(r, &tag)) return fail("%s: truncated tag", msg);
  f->num = tag >> 3;
  f->wire_type = (int)(tag & 7);
  if (f->num == 0 || f->num > 536870911) return fail("%s: invalid field number %llu", msg, (unsigned long long)f->num);
  if (f->wire_type == 0) {
    if (varint(r, &f->v)) return fail("%s field %llu: truncated varint", msg, (unsigned long long)f->num);
  } else if (f->wire_type == 2) {
    if (varint(r, &n) || n > (uint64_t)(r->end - r->p))
      return fail("%s field %llu: truncated length-delimited value", msg, (unsigned long long)f->num);
    f->sub.p = r->p;
    f->sub.end = r->p + n;
    r->p += n;
  } else {
    return fail("%s field %llu: unsupported wire type %d", msg, (unsigned long long)f->num, f->wire_type);
  }
  return 0;
}

static int want(const struct field *f, const char *msg, int wire_type) {
  if (f->wire_type == wire_type) return 0;
  return fail("%s field %llu: wrong wire type %d", msg, (unsigned long long)f->num, f->wire_type);
}

static int u32(const struct field *f, const char *msg, uint32_t *out) {
  if (want(f, msg, 0)) return -1;
  if (f->v > UINT32_MAX) return fail("%s field %llu: value out of range", msg, (unsigned long long)f->num);
  *out = (uint32_t)f->v;
  return 0;
}

/* A string field as a fresh NUL-terminated copy; an embedded NUL would cut it short, so refuse.
   A singular field given twice keeps the last value, as protobuf does (the first is freed). */
static int string(const struct field *f, const char *msg, char **out) {
  if (want(f, msg, 2)) return -1;
  size_t n = (size_t)(f->sub.end - f->sub.p);
  if (memchr(f->sub.p, 0, n)) return fail("%s field %llu: string contains NUL", msg, (unsigned long long)f->num);
  free(*out);
  if (!(*out = strndup((const char *)f->sub.p, n))) return fail("%s field %llu: out of memory", msg, (unsigned long long)f->num);
  return 0;
}

static int add_string(const struct field *f, const char *msg, char **list, size_t *n) {
  if (*n == PLAN_MAX_STRINGS) return fail("%s field %llu: more than %d entries", msg, (unsigned long long)f->num, PLAN_MAX_STRINGS);
  return string(f, msg, &list[(*n)++]);
}

/* Calls add for each value of a repeated varint field, packed (wire type 2) or one per tag. */
static int each_varint(const struct field *f, const char *msg, struct plan *p, int (*add)(struct plan *, uint64_t)) {
  if (f->wire_type == 0) return add(p, f->v);
  if (want(f, msg, 2)) return -1;
  struct reader r = f->sub;
  uint64_t v;
  while (r.p < r.end) {
    if (varint(&r, &v)) return fail("%s field %llu: truncated packed varint", msg, (unsigned long long)f->num);
    if (add(p, v)) return -1;
  }
  return 0;
}

static int add_namespace(struct plan *p, uint64_t v) {
  static const int flags[] = {0, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET};
  if (v == 0 || v >= sizeof flags / sizeof flags[0]) return fail("LaunchPlan field 2: unknown namespace %llu", (unsigned long long)v);
  p->clone_flags |= flags[v];
  return 0;
}

static int add_group(struct plan *p, uint64_t v) {
  if (v > UINT32_MAX) return fail("LaunchPlan field 14: group out of range");
  if (p->n_groups == PLAN_MAX_GROUPS) return fail("LaunchPlan field 14: more than %d groups", PLAN_MAX_GROUPS);
  p->groups[p->n_groups++] = (uint32_t)v;
  return 0;
}

static int decode_mount(struct reader r, struct plan_mount *m) {
  const char *msg = "Mount";
  struct field f;
  bool has_target = false;
  while (r.p < r.end) {
    if (next_field(&r, msg, &f)) return -1;
    int rc;
    switch (f.num) {
      case 1: rc = string(&f, msg, &m->source); break;
      case 2: rc = string(&f, msg, &m->target); has_target = true; break;
      case 3: rc = string(&f, msg, &m->type); break;
      case 4: rc = want(&f, msg, 0); m->flags = f.v; break;
      case 5: rc = string(&f, msg, &m->data); break;
      case 6: rc = want(&f, msg, 0); m->create_target = f.v != 0; break;
      default: return fail("%s: unknown field number %llu", msg, (unsigned long long)f.num);
    }
    if (rc) return -1;
  }
  return has_target ? 0 : fail("Mount: required field 2 (target) is missing");
}

static int decode_rlimit(struct reader r, struct plan_rlimit *l) {
  const char *msg = "RLimit";
  struct field f;
  int seen = 0;
  while (r.p < r.end) {
    if (next_field(&r, msg, &f)) return -1;
    int rc;
    switch (f.num) {
      case 1: rc = u32(&f, msg, &l->resource); break;
      case 2: rc = want(&f, msg, 0); l->soft = f.v; break;
      case 3: rc = want(&f, msg, 0); l->hard = f.v; break;
      default: return fail("%s: unknown field number %llu", msg, (unsigned long long)f.num);
    }
    if (rc) return -1;
    seen |= 1 << f.num;
  }
  return seen == 0xe ? 0 : fail("RLimit: required fields 1, 2 and 3 (resource, soft, hard) must all be set");
}

/* join_cgroups: an absolute path to a cgroup's "tasks" (v1) or "cgroup.procs" file; the init
   checks the file system when it joins. */
static int check_join(const char *path) {
  const char *base = strrchr(path, '/');
  if (path[0] != '/') return fail("LaunchPlan field 18: cgroup file '%s' is not an absolute path", path);
  if (strcmp(base, "/tasks") && strcmp(base, "/cgroup.procs"))
    return fail("LaunchPlan field 18: cgroup file '%s' is not a 'tasks' or 'cgroup.procs' file", path);
  return 0;
}

/* rootfs: an absolute path other than "/" (which would pivot into the host's own root). */
static int check_rootfs(const char *path) {
  if (path[0] != '/') return fail("LaunchPlan field 19: rootfs '%s' is not an absolute path", path);
  if (strspn(path, "/") == strlen(path)) return fail("LaunchPlan field 19: rootfs '%s' is the host's root", path);
  return 0;
}

int plan_decode(const uint8_t *buf, size_t len, struct plan *p, char *err, size_t errlen) {
  const char *msg = "LaunchPlan";
  struct reader r = {buf, buf + len};
  struct field f;
  bool has_version = false;
  err_buf = err;
  err_len = errlen;
  if (len > PLAN_MAX_BYTES) return fail("plan of %zu bytes exceeds the limit of %u", len, PLAN_MAX_BYTES);
  while (r.p < r.end) {
    if (next_field(&r, msg, &f)) return -1;
    int rc;
    switch (f.num) {
      case 1: rc = u32(&f, msg, &p->version); has_version = true; break;
      case 2: rc = each_varint(&f, msg, p, add_namespace); break;
      case 3:
        if (want(&f, msg, 2)) return -1;
        if (p->n_mounts == PLAN_MAX_MOUNTS) return fail("LaunchPlan field 3: more than %d mounts", PLAN_MAX_MOUNTS);
        rc = decode_mount(f.sub, &p->mounts[p->n_mounts++]);
        break;
      case 4: rc = add_string(&f, msg, p->env, &p->n_env); break;
      case 5: rc = string(&f, msg, &p->working_directory); break;
      case 6: rc = add_string(&f, msg, p->argv, &p->n_argv); break;
      case 7: rc = string(&f, msg, &p->hostname); break;
      case 8:
        if (want(&f, msg, 2)) return -1;
        if (p->n_rlimits == PLAN_MAX_RLIMITS) return fail("LaunchPlan field 8: more than %d rlimits", PLAN_MAX_RLIMITS);
        rc = decode_rlimit(f.sub, &p->rlimits[p->n_rlimits++]);
        break;
      case 9: rc = string(&f, msg, &p->status_path); break;
      case 10: rc = string(&f, msg, &p->stdin_path); break;
      case 11: rc = string(&f, msg, &p->stdout_path); break;
      case 12: rc = u32(&f, msg, &p->uid); p->has_uid = true; break;
      case 13: rc = u32(&f, msg, &p->gid); p->has_gid = true; break;
      case 14: rc = each_varint(&f, msg, p, add_group); break;
      case 15: rc = want(&f, msg, 0); p->effective = f.v; p->has_effective = true; break;
      case 16: rc = want(&f, msg, 0); p->bounding = f.v; p->has_bounding = true; break;
      case 17: rc = want(&f, msg, 0); p->no_new_privileges = f.v != 0; break;
      case 18:
        if (p->n_join_cgroups == PLAN_MAX_JOINS) return fail("LaunchPlan field 18: more than %d cgroups", PLAN_MAX_JOINS);
        rc = string(&f, msg, &p->join_cgroups[p->n_join_cgroups++]);
        if (!rc) rc = check_join(p->join_cgroups[p->n_join_cgroups - 1]);
        break;
      case 19:
        rc = string(&f, msg, &p->rootfs);
        if (!rc) rc = check_rootfs(p->rootfs);
        break;
      case 25: rc = string(&f, msg, &p->stderr_path); break;
      case 26: rc = want(&f, msg, 0); p->max_stdout_size = f.v; break;
      case 27: rc = u32(&f, msg, &p->stdout_rotate); break;
      case 28: rc = want(&f, msg, 0); p->max_stderr_size = f.v; break;
      case 29: rc = u32(&f, msg, &p->stderr_rotate); break;
      default: return fail("%s: unknown field number %llu", msg, (unsigned long long)f.num);
    }
    if (rc) return -1;
  }
  if (p->max_stdout_size || p->max_stderr_size || p->stderr_path) {
    if (!p->stdout_path) return fail("LaunchPlan field 11: bounded logs need stdout_path");
    if (!p->stderr_path) return fail("LaunchPlan field 25: bounded logs need stderr_path");
    if (!p->max_stdout_size) return fail("LaunchPlan field 26: bounded logs need max_stdout_size");
    if (!p->max_stderr_size) return fail("LaunchPlan field 28: bounded logs need max_stderr_size");
  }
  if (p->stdout_rotate > 1000) return fail("LaunchPlan field 27: more than 1000 rotated log files");
  if (p->stderr_rotate > 1000) return fail("LaunchPlan field 29: more than 1000 rotated log files");
  if (!has_version || p->version != 1)
    return has_version ? fail("LaunchPlan version %u is not supported (expected 1)", p->version)
                       : fail("LaunchPlan field 1 (version) is missing");
  return 0;
}

void plan_free(struct plan *p) {
  for (size_t i = 0; i < p->n_mounts; i++) {
    free(p->mounts[i].source);
    free(p->mounts[i].target);
    free(p->mounts[i].type);
    free(p->mounts[i].data);
  }
  for (size_t i = 0; i < p->n_env; i++) free(p->env[i]);
  for (size_t i = 0; i < p->n_argv; i++) free(p->argv[i]);
  for (size_t i = 0; i < p->n_join_cgroups; i++) free(p->join_cgroups[i]);
  char *single[] = {p->working_directory, p->hostname, p->status_path, p->stdin_path, p->stdout_path, p->rootfs,
                   p->stderr_path};
  for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) free(single[i]);
}
