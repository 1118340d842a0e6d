/*
 * What the two servers of the native backend share: the mount, a request to
 * JavaScript and its answer, an open file's handle, and the N-API helpers.
 */
#ifndef FAIRFS_BACKEND_H
#define FAIRFS_BACKEND_H
#define FUSE_USE_VERSION 312
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <node_api.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "known.h"
#include "names.h"

/* Kept in step with OP in src/mount/fuse3-adapter.ts. */
enum op {
  OP_GETATTR = 1, OP_READDIR, OP_ACCESS, OP_STATFS, OP_OPEN, OP_CREATE, OP_READ, OP_WRITE,
  OP_RELEASE, OP_TRUNCATE, OP_UTIMENS, OP_CHMOD, OP_CHOWN, OP_UNLINK, OP_RENAME, OP_MKDIR,
  OP_RMDIR, OP_READLINK, OP_SYMLINK, OP_LINK, OP_MKNOD, OP_EXIT
};

/* Answers: out[0..15]; a create also puts the new file's attributes at out[CREATED_STAT..]. */
#define OUT_SLOTS 32
#define CREATED_STAT 16
#define CALLER_SLOTS 5
#define NUM_ARGS 5
/* Open answer flags (out[2]). */
#define OPEN_KEEP_CACHE 1
#define OPEN_DIRECT_IO 2
#define OPEN_WRITABLE 4

typedef struct mount {
  /* One of the two: the high-level server (sessions) or the low-level one (immutable trees, tree.c). */
  struct fuse *fuse;
  struct fuse_session *se;
  pthread_t thread;
  int thread_started;
  napi_threadsafe_function tsfn;
  napi_ref out_ref, caller_ref;
  double *out;
  /* pid, uid, gid, umask, start time (clock ticks since boot; -1: unknown) of the request being served. */
  double *caller;
  double cache_seconds;
  int inodes;
  int writeback;
  /* Nothing under the mount changes but through the core's own notices (the catalog). */
  int immutable;
  known_table_t known;
  /* Sessions: the names of the folders whose names change only through this mount (names.h). */
  names_t names;
  int names_ready;
  /* Ask the kernel to pass opened backing files through; cleared when it will not. */
  _Atomic int passthrough;
  /* Invalidation threads still talking to the kernel: destroy waits for them. */
  _Atomic int invalidating;
  int loop_result;
  int destroyed;
} mount_t;

typedef struct request {
  int op;
  const char *path, *path2;
  double n[NUM_ARGS];
  /* read: where the bytes go; write: the bytes. Only for handles with no backing file. */
  char *buf;
  size_t len;
  int32_t pid, uid, gid, umask;
  /* The caller's start time, read with the request: JavaScript tells a reused pid without reading /proc. */
  double start;
  int result;
  double out[OUT_SLOTS];
  char **names;
  uint32_t count;
  char *text;
  /* Posted (post_from): nobody waits; call_js frees it. */
  int posted;
  sem_t done;
} request_t;

/* An open file: JavaScript's handle and, where there is one, the backing file served natively. */
typedef struct handle {
  double js_fh;
  int fd;
  int writable;
  /* The kernel reads and writes the backing file itself (passthrough, this backing id): the counts stay 0. */
  int backing_id;
  _Atomic uint64_t bytes_read, bytes_written;
  /* A created file's attributes, from the create's answer: libfuse's lookup right after create needs no second trip. */
  struct stat created;
  int has_created;
} handle_t;

#define REQUEST(name, opcode) request_t name; memset(&name, 0, sizeof name); name.op = (opcode)

/* Runs on the JavaScript thread (the thread-safe function's callback). */
void call_js(napi_env env, napi_value js_cb, void *context, void *data);
/* Hand a request to JavaScript for the caller given and wait for its answer. */
int ask_from(mount_t *m, request_t *r, int32_t pid, int32_t uid, int32_t gid, int32_t umask);
/* Hand a request to JavaScript without waiting for its answer (release). */
int post_from(mount_t *m, const request_t *r);
/* out[]: mode size nlink uid gid rdev ino blksize blocks atime(s ns) mtime(s ns) ctime(s ns) */
void fill_stat(struct stat *st, const double *o);
/* The handle JavaScript's open answer describes, on fi, passed through to its backing file where the kernel lets it (-ENOMEM, or 0). */
int open_handle(mount_t *m, request_t *r, struct fuse_file_info *fi);
/* Release a handle: JavaScript is told its byte counts (and whether they are known), then it is freed. */
void release_handle(mount_t *m, handle_t *h);
/* pread/pwrite of a whole range on a backing file, counted on the handle; -errno on failure. */
ssize_t read_backing(handle_t *h, char *buf, size_t size, off_t off);
ssize_t write_backing(handle_t *h, const char *buf, size_t size, off_t off);

napi_value throw_error(napi_env env, const char *msg);
void *typed_data(napi_env env, napi_value v, napi_typedarray_type want, size_t min_len);
char *string_arg(napi_env env, napi_value v);
/* The strings of a JavaScript array (others skipped), and how many; NULL when out of memory. */
char **string_array(napi_env env, napi_value array, uint32_t *count);
/* A read of a handle with no backing file, for JavaScript to answer into buf. */
void read_request(request_t *r, const handle_t *h, char *buf, size_t size, off_t off);
char *copy_string(napi_env env, napi_value v);

#endif
