/*
 * plan_fuzz: drives corral-init's plan decoder (plan.c) over many mutated and random plans.
 * Built by Maven with -fsanitize=address,undefined and run by PlanFuzzTest.
 *
 *   plan_fuzz <iterations> <seed>
 *   plan_fuzz --decode            (framed plans on stdin, one line each on stdout; PlanPropertyTest)
 *
 * Inputs: valid plans made at random (every field, packed and unpacked repeated scalars),
 * then mutated (bit flips, interesting bytes, inserts, deletes, truncation, duplicated and
 * spliced ranges); random field sequences with every wire type; and plain random bytes. For
 * each one: a decoded plan must hold the decoder's promises (bounds, terminators, required
 * fields, join files), and a refusal must name its message and field. Any breach prints the
 * input in hex and exits 1; a sanitizer report aborts. Deterministic for a given seed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define MAX_INPUT 8192

struct buf {
  uint8_t b[MAX_INPUT];
  size_t n;
};

static uint64_t rng_state;

static uint64_t rnd(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static void put(struct buf *o, const void *p, size_t n) {
  if (o->n + n > MAX_INPUT) n = MAX_INPUT - o->n;
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

static void varint(struct buf *o, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    tmp[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) tmp[n] |= 0x80;
    n++;
  } while (v);
  put(o, tmp, n);
}

static void tag(struct buf *o, uint64_t num, int wire) { varint(o, num << 3 | (uint64_t)wire); }

static void bytes_field(struct buf *o, uint64_t num, const void *p, size_t n) {
  tag(o, num, 2);
  varint(o, n);
  put(o, p, n);
}

static void string_field(struct buf *o, uint64_t num, const char *s) { bytes_field(o, num, s, strlen(s)); }

static void varint_field(struct buf *o, uint64_t num, uint64_t v) {
  tag(o, num, 0);
  varint(o, v);
}

/* A value that is often at a boundary: 0, 1, 2^k - 1, 2^k, UINT32_MAX, UINT64_MAX. */
static uint64_t interesting(void) {
  switch (below(6)) {
    case 0: return below(3);
    case 1: return ((uint64_t)1 << below(64)) - 1;
    case 2: return (uint64_t)1 << below(64);
    case 3: return UINT32_MAX + below(3) - 1;
    case 4: return UINT64_MAX - below(2);
    default: return rnd();
  }
}

static void random_text(char *out, size_t max) {
  static const char *words[] = {"/", "proc", "sys/fs/cgroup", "tasks", "cgroup.procs", "..", "a", "PATH=/bin", "é", "\n", " "};
  size_t n = 0, parts = below(5);
  out[0] = 0;
  for (size_t i = 0; i < parts; i++) {
    const char *w = words[below(sizeof words / sizeof words[0])];
    if (n + strlen(w) + 1 >= max) break;
    memcpy(out + n, w, strlen(w) + 1);
    n += strlen(w);
  }
}

static void mount_message(struct buf *o) {
  struct buf m = {.n = 0};
  char text[64];
  for (int f = 1; f <= 6; f++) {
    if (f != 2 && below(2)) continue;
    random_text(text, sizeof text);
    if (f == 4 || f == 6) varint_field(&m, (uint64_t)f, interesting());
    else string_field(&m, (uint64_t)f, f == 2 && !*text ? "/proc" : text);
  }
  bytes_field(o, 3, m.b, m.n);
}

static void rlimit_message(struct buf *o) {
  struct buf m = {.n = 0};
  varint_field(&m, 1, below(20));
  varint_field(&m, 2, interesting());
  varint_field(&m, 3, interesting());
  bytes_field(o, 8, m.b, m.n);
}

/* A repeated varint field, one per tag or packed. */
static void repeated(struct buf *o, uint64_t num, uint64_t min, uint64_t max) {
  size_t count = below(5);
  if (below(2)) {
    for (size_t i = 0; i < count; i++) varint_field(o, num, min + below(max - min));
    return;
  }
  struct buf packed = {.n = 0};
  for (size_t i = 0; i < count; i++) varint(&packed, min + below(max - min));
  bytes_field(o, num, packed.b, packed.n);
}

/* A plan the decoder should accept, with any of its fields. */
static void valid_plan(struct buf *o) {
  static const char *joins[] = {"/sys/fs/cgroup/freezer/c1/tasks", "/sys/fs/cgroup/unified/c1/cgroup.procs"};
  char text[64];
  o->n = 0;
  varint_field(o, 1, 1);
  repeated(o, 2, 1, 6);
  for (size_t i = below(4); i > 0; i--) mount_message(o);
  for (size_t i = below(4); i > 0; i--) string_field(o, 4, "PATH=/usr/bin:/bin");
  for (size_t i = 1 + below(4); i > 0; i--) {
    random_text(text, sizeof text);
    string_field(o, 6, text);
  }
  static const uint64_t singles[] = {5, 7, 9, 10, 11};
  for (size_t i = 0; i < 5; i++)
    if (below(2)) string_field(o, singles[i], "/run/corral/x");
  for (size_t i = below(3); i > 0; i--) rlimit_message(o);
  for (uint64_t f = 12; f <= 17; f++)
    if (f == 14) repeated(o, 14, 0, 70000);
    else if (below(2)) varint_field(o, f, f <= 13 ? below(70000) : interesting());
  for (size_t i = below(3); i > 0; i--) string_field(o, 18, joins[below(2)]);
  if (below(2)) string_field(o, 19, "/var/lib/corral/rootfs");
}

/* Random fields of every wire type, some nested up to two levels. */
static void random_fields(struct buf *o, int depth) {
  o->n = 0;
  for (size_t i = below(12); i > 0; i--) {
    uint64_t num = below(4) ? 1 + below(20) : interesting() & 0x3fffffff;
    int wire = below(4) ? (int)(below(2) * 2) : (int)below(8);
    tag(o, num, wire);
    if (wire == 0) varint(o, interesting());
    else if (wire == 2) {
      struct buf sub = {.n = 0};
      if (depth < 2 && below(2)) random_fields(&sub, depth + 1);
      else for (size_t k = below(16); k > 0; k--) { uint8_t c = (uint8_t)rnd(); put(&sub, &c, 1); }
      varint(o, below(8) ? sub.n : interesting());
      put(o, sub.b, sub.n);
    } else {
      for (size_t k = below(9); k > 0; k--) { uint8_t c = (uint8_t)rnd(); put(o, &c, 1); }
    }
  }
}

static void insert_random(struct buf *o, size_t at, size_t len) {
  if (o->n + len > MAX_INPUT) return;
  memmove(o->b + at + len, o->b + at, o->n - at);
  for (size_t i = 0; i < len; i++) o->b[at + i] = (uint8_t)rnd();
  o->n += len;
}

static void splice(struct buf *o, size_t at, const struct buf *other) {
  if (!other->n) return;
  size_t from = below(other->n), n = 1 + below(other->n - from);
  if (at + n > MAX_INPUT) return;
  memcpy(o->b + at, other->b + from, n);
  if (at + n > o->n) o->n = at + n;
}

static void mutate(struct buf *o, const struct buf *other) {
  static const uint8_t special[] = {0, 0x7f, 0x80, 0xff, 0x08, 0x12, 0x0a};
  for (size_t k = 1 + below(8); k > 0; k--) {
    size_t at = below(o->n + 1), len = 1 + below(16);
    switch (below(7)) {
      case 0:
        if (o->n) o->b[below(o->n)] ^= (uint8_t)(1 << below(8));
        break;
      case 1:
        if (o->n) o->b[below(o->n)] = special[below(sizeof special)];
        break;
      case 2:
        insert_random(o, at, len);
        break;
      case 3:
        if (at + len <= o->n) {
          memmove(o->b + at, o->b + at + len, o->n - at - len);
          o->n -= len;
        }
        break;
      case 4:
        o->n = below(o->n + 1);
        break;
      case 5:
        if (at + len <= o->n) put(o, o->b + at, len); /* a range again, at the end */
        break;
      default:
        splice(o, at, other);
        break;
    }
  }
}

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* A refusal names its message and, where one was read, the field. */
static int named(const char *err) {
  static const char *messages[] = {"LaunchPlan", "Mount", "RLimit"};
  static const char *rest[] = {" field ", ": unknown field number ", ": invalid field number ", ": truncated tag",
                               ": required field", " version "};
  if (starts(err, "plan of ")) return 1;
  for (size_t m = 0; m < 3; m++) {
    if (!starts(err, messages[m])) continue;
    for (size_t r = 0; r < sizeof rest / sizeof rest[0]; r++)
      if (starts(err + strlen(messages[m]), rest[r])) return 1;
  }
  return 0;
}

static const char *broken_promise(const struct plan *p) {
  if (p->version != 1) return "version is not 1";
  if (p->n_argv > PLAN_MAX_STRINGS || p->n_env > PLAN_MAX_STRINGS) return "too many strings";
  if (p->argv[p->n_argv] || p->env[p->n_env]) return "argv or env not NULL-terminated";
  if (p->n_mounts > PLAN_MAX_MOUNTS || p->n_rlimits > PLAN_MAX_RLIMITS || p->n_groups > PLAN_MAX_GROUPS
      || p->n_join_cgroups > PLAN_MAX_JOINS) return "a bound is exceeded";
  for (size_t i = 0; i < p->n_mounts; i++)
    if (!p->mounts[i].target) return "a mount without a target";
  for (size_t i = 0; i < p->n_argv; i++)
    if (!p->argv[i]) return "a NULL argv entry";
  for (size_t i = 0; i < p->n_join_cgroups; i++) {
    const char *j = p->join_cgroups[i], *base = strrchr(j, '/');
    if (j[0] != '/' || !base || (strcmp(base, "/tasks") && strcmp(base, "/cgroup.procs"))) return "a bad join_cgroups file";
  }
  if (p->rootfs && (p->rootfs[0] != '/' || strspn(p->rootfs, "/") == strlen(p->rootfs))) return "a bad rootfs";
  return NULL;
}

static void dump_and_exit(const struct buf *in, const char *why, const char *err) {
  fprintf(stderr, "plan_fuzz: %s (error: '%s'); input of %zu bytes:\n", why, err, in->n);
  for (size_t i = 0; i < in->n; i++) fprintf(stderr, "%02x", in->b[i]);
  fprintf(stderr, "\n");
  exit(1);
}

/* --decode: framed plans (a 4-byte little-endian length, then the plan) from stdin until its
   end; for each, one line on stdout saying what the decoder made of it. */
static int decode_stdin(void) {
  static struct buf in;
  uint8_t hdr[4];
  struct plan *p = malloc(sizeof *p);
  char err[512];
  if (!p) return 2;
  while (fread(hdr, 1, 4, stdin) == 4) {
    in.n = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
    if (in.n > MAX_INPUT || fread(in.b, 1, in.n, stdin) != in.n) return 2;
    memset(p, 0, sizeof *p);
    err[0] = 0;
    if (plan_decode(in.b, in.n, p, err, sizeof err)) {
      printf("ERR %s\n", err);
    } else {
      size_t arg_bytes = 0;
      for (size_t i = 0; i < p->n_argv; i++) arg_bytes += strlen(p->argv[i]);
      printf("OK clone=%#x mounts=%zu env=%zu argv=%zu/%zu rlimits=%zu groups=%zu joins=%zu uid=%s%u gid=%s%u"
             " effective=%#" PRIx64 " nnp=%d rootfs=%s\n", (unsigned)p->clone_flags, p->n_mounts, p->n_env, p->n_argv,
             arg_bytes, p->n_rlimits, p->n_groups, p->n_join_cgroups, p->has_uid ? "" : "-", p->uid,
             p->has_gid ? "" : "-", p->gid, p->effective, p->no_new_privileges,
             p->rootfs ? p->rootfs : "-");
    }
    fflush(stdout);
    plan_free(p);
  }
  free(p);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--decode")) return decode_stdin();
  if (argc != 3) {
    fprintf(stderr, "usage: plan_fuzz <iterations> <seed> | plan_fuzz --decode\n");
    return 2;
  }
  long iterations = atol(argv[1]);
  rng_state = strtoull(argv[2], NULL, 10) | 1;
  static struct buf in, seed;
  struct plan *p = malloc(sizeof *p);
  char err[512];
  long accepted = 0, refused = 0;
  if (!p) return 2;
  for (long i = 0; i < iterations; i++) {
    switch (i % 4) {
      case 0: valid_plan(&in); break;
      case 1: valid_plan(&in); valid_plan(&seed); mutate(&in, &seed); break;
      case 2: random_fields(&in, 0); if (below(2)) mutate(&in, &seed); break;
      default: in.n = below(256); for (size_t k = 0; k < in.n; k++) in.b[k] = (uint8_t)rnd(); break;
    }
    memset(p, 0, sizeof *p);
    err[0] = 0;
    uint8_t *exact = malloc(in.n ? in.n : 1); /* so that AddressSanitizer sees a read past the end */
    if (!exact) return 2;
    memcpy(exact, in.b, in.n);
    int rc = plan_decode(exact, in.n, p, err, sizeof err);
    free(exact);
    if (rc != 0 && i % 4 == 0) dump_and_exit(&in, "a valid plan was refused", err);
    if (rc == 0) {
      const char *why = broken_promise(p);
      if (why) dump_and_exit(&in, why, err);
      accepted++;
    } else {
      if (!named(err)) dump_and_exit(&in, "a refusal that names no field", err);
      refused++;
    }
    plan_free(p);
  }
  /* Beyond the size limit: refused before a byte is read. */
  memset(p, 0, sizeof *p);
  if (plan_decode(in.b, (size_t)PLAN_MAX_BYTES + 1, p, err, sizeof err) == 0 || !starts(err, "plan of "))
    dump_and_exit(&in, "an oversize plan was not refused", err);
  free(p);
  printf("plan_fuzz: %ld plans, %ld accepted, %ld refused, every refusal named\n", iterations, accepted, refused);
  return 0;
}
