/*
 * fairfs's native FUSE backend: libfuse 3 (high-level API) on native threads.
 *
 * The kernel's requests are served by libfuse's worker threads. The data path
 * never enters JavaScript: once the ServedFs has opened a file and named its
 * backing file (a store file for an input, a staging file for an output), reads
 * and writes on that handle are pread/pwrite on native threads, with the
 * kernel's write-back cache in front of outputs and the page cache kept across
 * opens for immutable files. Everything that needs the run's rules (lookups,
 * open, create, rename, unlink, release and the other metadata operations) is
 * handed to one JavaScript dispatcher through a thread-safe function; the
 * worker waits for its answer. Calls queue, so a burst of requests is drained
 * by the JavaScript thread in one wake-up.
 *
 * Protocol with JavaScript (src/mount/fuse3-adapter.ts):
 *   dispatch(op, path, path2, n0, n1, n2, n3, n4, buffer) -> number | string | string[]
 *   numbers below 0 are -errno; numeric results (stat, open) are written by
 *   JavaScript into the shared Float64Array `out`, and the caller of the request
 *   being served is in the shared Int32Array `caller` (pid, uid, gid, umask).
 */
#define FUSE_USE_VERSION 312
#define _GNU_SOURCE
#include <errno.h>
#include <fuse.h>
#include <node_api.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Kept in step with OP in src/mount/fuse3-adapter.ts. */
enum op {
  OP_GETATTR = 1, OP_READDIR, OP_ACCESS, OP_STATFS, OP_OPEN, OP_CREATE, OP_READ, OP_WRITE,
  OP_RELEASE, OP_TRUNCATE, OP_UTIMENS, OP_CHMOD, OP_CHOWN, OP_UNLINK, OP_RENAME, OP_MKDIR,
  OP_RMDIR, OP_READLINK, OP_SYMLINK, OP_LINK, OP_MKNOD, OP_EXIT
};

#define OUT_SLOTS 16
#define NUM_ARGS 5
/* Open answer flags (out[2]). */
#define OPEN_KEEP_CACHE 1
#define OPEN_DIRECT_IO 2
#define OPEN_WRITABLE 4

typedef struct mount {
  struct fuse *fuse;
  pthread_t thread;
  int thread_started;
  napi_threadsafe_function tsfn;
  napi_ref out_ref, caller_ref;
  double *out;
  int32_t *caller;
  double cache_seconds;
  int inodes;
  int writeback;
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
  int result;
  double out[OUT_SLOTS];
  char **names;
  uint32_t count;
  char *text;
  sem_t done;
} request_t;

/* An open file: JavaScript's handle and, where there is one, the backing file served natively. */
typedef struct handle {
  double js_fh;
  int fd;
  int writable;
  _Atomic uint64_t bytes_read, bytes_written;
} handle_t;

static mount_t *current(void) { return (mount_t *)fuse_get_context()->private_data; }

static void set_number(napi_env env, double v, napi_value *out) { napi_create_double(env, v, out); }

static void set_string(napi_env env, const char *s, napi_value *out) {
  if (s) napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, out);
  else napi_get_undefined(env, out);
}

static char *copy_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* Runs on the JavaScript thread: one request through the dispatcher, its answer copied back. */
static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  mount_t *m = context;
  request_t *r = data;
  if (r->op == OP_EXIT) {
    if (env) {
      napi_value argv[1], ret, undef;
      napi_create_int32(env, OP_EXIT, &argv[0]);
      napi_get_undefined(env, &undef);
      napi_call_function(env, undef, js_cb, 1, argv, &ret);
    }
    free(r);
    return;
  }
  if (!env) {
    r->result = -EIO;
    sem_post(&r->done);
    return;
  }
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  m->caller[0] = r->pid;
  m->caller[1] = r->uid;
  m->caller[2] = r->gid;
  m->caller[3] = r->umask;
  napi_value argv[4 + NUM_ARGS], ret, undef;
  napi_get_undefined(env, &undef);
  napi_create_int32(env, r->op, &argv[0]);
  set_string(env, r->path, &argv[1]);
  set_string(env, r->path2, &argv[2]);
  for (int i = 0; i < NUM_ARGS; i++) set_number(env, r->n[i], &argv[3 + i]);
  void *js_bytes = NULL;
  if (r->op == OP_READ) {
    napi_create_buffer(env, r->len, &js_bytes, &argv[3 + NUM_ARGS]);
  } else if (r->op == OP_WRITE) {
    napi_create_buffer_copy(env, r->len, r->buf, NULL, &argv[3 + NUM_ARGS]);
  } else {
    argv[3 + NUM_ARGS] = undef;
  }
  r->result = -EIO;
  if (napi_call_function(env, undef, js_cb, 4 + NUM_ARGS, argv, &ret) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
  } else {
    napi_valuetype type;
    napi_typeof(env, ret, &type);
    bool is_array = false;
    if (type == napi_object) napi_is_array(env, ret, &is_array);
    if (type == napi_number) {
      int32_t v;
      napi_get_value_int32(env, ret, &v);
      r->result = v;
      if (r->op == OP_READ && v > 0 && js_bytes) memcpy(r->buf, js_bytes, (size_t)v > r->len ? r->len : (size_t)v);
    } else if (type == napi_string) {
      r->text = copy_string(env, ret);
      r->result = r->text ? 0 : -ENOMEM;
    } else if (is_array) {
      uint32_t n = 0;
      napi_get_array_length(env, ret, &n);
      r->names = calloc(n ? n : 1, sizeof(char *));
      r->result = r->names ? 0 : -ENOMEM;
      for (uint32_t i = 0; r->names && i < n; i++) {
        napi_value el;
        napi_get_element(env, ret, i, &el);
        r->names[r->count] = copy_string(env, el);
        if (r->names[r->count]) r->count++;
      }
    }
    memcpy(r->out, m->out, sizeof r->out);
  }
  napi_close_handle_scope(env, scope);
  sem_post(&r->done);
}

/* Hand a request to JavaScript and wait for its answer (the worker thread blocks, the data path does not). */
static int ask(request_t *r) {
  struct fuse_context *c = fuse_get_context();
  mount_t *m = c->private_data;
  r->pid = c->pid;
  r->uid = (int32_t)c->uid;
  r->gid = (int32_t)c->gid;
  r->umask = (int32_t)c->umask;
  sem_init(&r->done, 0, 0);
  if (napi_call_threadsafe_function(m->tsfn, r, napi_tsfn_blocking) != napi_ok) {
    sem_destroy(&r->done);
    return -EIO;
  }
  while (sem_wait(&r->done) == -1 && errno == EINTR) {}
  sem_destroy(&r->done);
  return r->result;
}

#define REQUEST(name, opcode) request_t name; memset(&name, 0, sizeof name); name.op = (opcode)

static void fill_timespec(struct timespec *ts, double sec, double nsec) {
  ts->tv_sec = (time_t)sec;
  ts->tv_nsec = (long)nsec;
}

/* out[]: mode size nlink uid gid rdev ino blksize blocks atime(s ns) mtime(s ns) ctime(s ns) */
static void fill_stat(struct stat *st, const double *o) {
  memset(st, 0, sizeof *st);
  st->st_mode = (mode_t)o[0];
  st->st_size = (off_t)o[1];
  st->st_nlink = (nlink_t)o[2];
  st->st_uid = (uid_t)o[3];
  st->st_gid = (gid_t)o[4];
  st->st_rdev = (dev_t)o[5];
  st->st_ino = (ino_t)o[6];
  st->st_blksize = (blksize_t)o[7];
  st->st_blocks = (blkcnt_t)o[8];
  fill_timespec(&st->st_atim, o[9], o[10]);
  fill_timespec(&st->st_mtim, o[11], o[12]);
  fill_timespec(&st->st_ctim, o[13], o[14]);
}

static handle_t *handle_of(struct fuse_file_info *fi) { return fi ? (handle_t *)(uintptr_t)fi->fh : NULL; }

/* ---- metadata: answered by the ServedFs ---------------------------------------------- */

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  REQUEST(r, OP_GETATTR);
  handle_t *h = handle_of(fi);
  r.path = path;
  r.n[0] = h ? h->js_fh : -1;
  int res = ask(&r);
  if (res == 0) fill_stat(st, r.out);
  return res;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
  (void)off; (void)fi; (void)flags;
  REQUEST(r, OP_READDIR);
  r.path = path;
  int res = ask(&r);
  if (res == 0) {
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    for (uint32_t i = 0; i < r.count; i++) filler(buf, r.names[i], NULL, 0, 0);
  }
  for (uint32_t i = 0; i < r.count; i++) free(r.names[i]);
  free(r.names);
  return res;
}

static int fs_access(const char *path, int mode) {
  REQUEST(r, OP_ACCESS);
  r.path = path;
  r.n[0] = mode;
  return ask(&r);
}

static int fs_statfs(const char *path, struct statvfs *sv) {
  REQUEST(r, OP_STATFS);
  r.path = path;
  int res = ask(&r);
  if (res == 0) {
    memset(sv, 0, sizeof *sv);
    sv->f_bsize = (unsigned long)r.out[0];
    sv->f_frsize = (unsigned long)r.out[1];
    sv->f_blocks = (fsblkcnt_t)r.out[2];
    sv->f_bfree = (fsblkcnt_t)r.out[3];
    sv->f_bavail = (fsblkcnt_t)r.out[4];
    sv->f_files = (fsfilcnt_t)r.out[5];
    sv->f_ffree = (fsfilcnt_t)r.out[6];
    sv->f_favail = (fsfilcnt_t)r.out[7];
    sv->f_namemax = (unsigned long)r.out[8];
  }
  return res;
}

/* out[]: js handle, backing fd (-1: none), OPEN_* flags */
static int opened(request_t *r, struct fuse_file_info *fi) {
  handle_t *h = calloc(1, sizeof *h);
  if (!h) return -ENOMEM;
  h->js_fh = r->out[0];
  h->fd = (int)r->out[1];
  int flags = (int)r->out[2];
  h->writable = (flags & OPEN_WRITABLE) != 0;
  fi->keep_cache = (flags & OPEN_KEEP_CACHE) != 0;
  fi->direct_io = (flags & OPEN_DIRECT_IO) != 0;
  fi->fh = (uint64_t)(uintptr_t)h;
  return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi) {
  REQUEST(r, OP_OPEN);
  r.path = path;
  r.n[0] = fi->flags;
  int res = ask(&r);
  return res < 0 ? res : opened(&r, fi);
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  REQUEST(r, OP_CREATE);
  r.path = path;
  r.n[0] = mode;
  r.n[1] = fi->flags;
  int res = ask(&r);
  return res < 0 ? res : opened(&r, fi);
}

static int fs_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  handle_t *h = handle_of(fi);
  if (!h) return 0;
  REQUEST(r, OP_RELEASE);
  r.n[0] = h->js_fh;
  r.n[1] = (double)atomic_load(&h->bytes_read);
  r.n[2] = (double)atomic_load(&h->bytes_written);
  ask(&r);
  free(h);
  return 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  REQUEST(r, OP_TRUNCATE);
  handle_t *h = handle_of(fi);
  r.path = path;
  r.n[0] = (double)size;
  r.n[1] = h ? h->js_fh : -1;
  return ask(&r);
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  (void)fi;
  REQUEST(r, OP_UTIMENS);
  r.path = path;
  r.n[0] = (double)tv[0].tv_sec;
  r.n[1] = (double)tv[0].tv_nsec;
  r.n[2] = (double)tv[1].tv_sec;
  r.n[3] = (double)tv[1].tv_nsec;
  return ask(&r);
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  (void)fi;
  REQUEST(r, OP_CHMOD);
  r.path = path;
  r.n[0] = mode;
  return ask(&r);
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  (void)fi;
  REQUEST(r, OP_CHOWN);
  r.path = path;
  /* (uid_t)-1 keeps the owner: passed on as -1. */
  r.n[0] = uid == (uid_t)-1 ? -1 : (double)uid;
  r.n[1] = gid == (gid_t)-1 ? -1 : (double)gid;
  return ask(&r);
}

static int path_op(int op, const char *path, const char *path2, double n0) {
  REQUEST(r, op);
  r.path = path;
  r.path2 = path2;
  r.n[0] = n0;
  return ask(&r);
}

static int fs_unlink(const char *path) { return path_op(OP_UNLINK, path, NULL, 0); }
static int fs_rmdir(const char *path) { return path_op(OP_RMDIR, path, NULL, 0); }
static int fs_mkdir(const char *path, mode_t mode) { return path_op(OP_MKDIR, path, NULL, mode); }
static int fs_rename(const char *from, const char *to, unsigned int flags) { return path_op(OP_RENAME, from, to, flags); }
/* libfuse hands (target, new name) for symlink and (existing, new name) for link. */
static int fs_symlink(const char *target, const char *path) { return path_op(OP_SYMLINK, path, target, 0); }
static int fs_link(const char *from, const char *to) { return path_op(OP_LINK, from, to, 0); }

static int fs_mknod(const char *path, mode_t mode, dev_t rdev) {
  REQUEST(r, OP_MKNOD);
  r.path = path;
  r.n[0] = mode;
  r.n[1] = (double)rdev;
  return ask(&r);
}

static int fs_readlink(const char *path, char *buf, size_t size) {
  REQUEST(r, OP_READLINK);
  r.path = path;
  int res = ask(&r);
  if (res == 0 && r.text) {
    strncpy(buf, r.text, size - 1);
    buf[size - 1] = '\0';
  } else if (res == 0) {
    res = -EIO;
  }
  free(r.text);
  return res;
}

/* ---- the data path: native, unless a file has no backing file (rendered bytes) ---------- */

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  handle_t *h = handle_of(fi);
  if (!h) return -EBADF;
  if (h->fd >= 0) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = pread(h->fd, buf + done, size - done, off + (off_t)done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return done ? (int)done : -errno;
      }
      if (n == 0) break;
      done += (size_t)n;
    }
    atomic_fetch_add(&h->bytes_read, done);
    return (int)done;
  }
  REQUEST(r, OP_READ);
  r.n[0] = h->js_fh;
  r.n[1] = (double)size;
  r.n[2] = (double)off;
  r.buf = buf;
  r.len = size;
  return ask(&r);
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  handle_t *h = handle_of(fi);
  if (!h) return -EBADF;
  if (h->fd >= 0) {
    if (!h->writable) return -EBADF;
    size_t done = 0;
    while (done < size) {
      ssize_t n = pwrite(h->fd, buf + done, size - done, off + (off_t)done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return done ? (int)done : -errno;
      }
      done += (size_t)n;
    }
    atomic_fetch_add(&h->bytes_written, done);
    return (int)done;
  }
  REQUEST(r, OP_WRITE);
  r.n[0] = h->js_fh;
  r.n[1] = (double)size;
  r.n[2] = (double)off;
  r.buf = (char *)buf;
  r.len = size;
  return ask(&r);
}

/* The staging and store files are not the program's to make durable: the run is finalised from them. */
static int fs_flush(const char *path, struct fuse_file_info *fi) { (void)path; (void)fi; return 0; }
static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi) { (void)path; (void)datasync; (void)fi; return 0; }

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  mount_t *m = current();
  cfg->use_ino = m->inodes;
  /* Handles are served by their fh: an unlinked open file keeps working, with no .fuse_hidden rename. */
  cfg->hard_remove = 1;
  /* Paths for every request that has one (futimens, fchmod and the write-back flush of times need it). */
  cfg->nullpath_ok = 0;
  cfg->entry_timeout = m->cache_seconds;
  cfg->attr_timeout = m->cache_seconds;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  if (m->writeback && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  if (conn->capable & FUSE_CAP_CACHE_SYMLINKS) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  conn->max_write = 1 << 20;
  return m;
}

static const struct fuse_operations ops = {
  .init = fs_init,
  .getattr = fs_getattr,
  .readdir = fs_readdir,
  .access = fs_access,
  .statfs = fs_statfs,
  .open = fs_open,
  .create = fs_create,
  .read = fs_read,
  .write = fs_write,
  .flush = fs_flush,
  .fsync = fs_fsync,
  .release = fs_release,
  .truncate = fs_truncate,
  .utimens = fs_utimens,
  .chmod = fs_chmod,
  .chown = fs_chown,
  .unlink = fs_unlink,
  .rename = fs_rename,
  .mkdir = fs_mkdir,
  .rmdir = fs_rmdir,
  .readlink = fs_readlink,
  .symlink = fs_symlink,
  .link = fs_link,
  .mknod = fs_mknod,
};

/* ---- lifetime: mount, the loop thread, destroy ---------------------------------------- */

static void *loop_thread(void *arg) {
  mount_t *m = arg;
  struct fuse_loop_config *cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_max_threads(cfg, 16);
  fuse_loop_cfg_set_idle_threads(cfg, 4);
  m->loop_result = fuse_loop_mt(m->fuse, cfg);
  fuse_loop_cfg_destroy(cfg);
  request_t *exit_req = calloc(1, sizeof *exit_req);
  if (exit_req) {
    exit_req->op = OP_EXIT;
    napi_call_threadsafe_function(m->tsfn, exit_req, napi_tsfn_blocking);
  }
  return NULL;
}

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static void *typed_data(napi_env env, napi_value v, napi_typedarray_type want, size_t min_len) {
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, &ab, &off) != napi_ok) return NULL;
  return type == want && len >= min_len ? data : NULL;
}

static char *string_arg(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_string ? copy_string(env, v) : NULL;
}

/* mount(mountpoint, fuseOptions, cacheSeconds, inodes, writeback, dispatch, out: Float64Array(16), caller: Int32Array(4)) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 8) return throw_error(env, "mount needs 8 arguments");
  char *mountpoint = string_arg(env, argv[0]);
  char *options = string_arg(env, argv[1]);
  mount_t *m = calloc(1, sizeof *m);
  if (!mountpoint || !options || !m) {
    free(mountpoint); free(options); free(m);
    return throw_error(env, "mount: bad mountpoint or options");
  }
  napi_get_value_double(env, argv[2], &m->cache_seconds);
  bool inodes = false, writeback = false;
  napi_get_value_bool(env, argv[3], &inodes);
  napi_get_value_bool(env, argv[4], &writeback);
  m->inodes = inodes;
  m->writeback = writeback;
  m->out = typed_data(env, argv[6], napi_float64_array, OUT_SLOTS);
  m->caller = typed_data(env, argv[7], napi_int32_array, 4);
  if (!m->out || !m->caller) {
    free(mountpoint); free(options); free(m);
    return throw_error(env, "mount: out must be a Float64Array(16) and caller an Int32Array(4)");
  }
  napi_create_reference(env, argv[6], 1, &m->out_ref);
  napi_create_reference(env, argv[7], 1, &m->caller_ref);

  char *fuse_argv[] = {"fairfs", "-o", options, NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
  m->fuse = fuse_new(&args, &ops, sizeof ops, m);
  free(options);
  if (!m->fuse) {
    free(mountpoint);
    napi_delete_reference(env, m->out_ref);
    napi_delete_reference(env, m->caller_ref);
    free(m);
    return throw_error(env, "fuse_new failed (bad options?)");
  }
  if (fuse_mount(m->fuse, mountpoint) != 0) {
    free(mountpoint);
    fuse_destroy(m->fuse);
    napi_delete_reference(env, m->out_ref);
    napi_delete_reference(env, m->caller_ref);
    free(m);
    return throw_error(env, "fuse_mount failed (see the line above from libfuse)");
  }
  free(mountpoint);
  napi_value name;
  napi_create_string_utf8(env, "fairfs-fuse3", NAPI_AUTO_LENGTH, &name);
  napi_create_threadsafe_function(env, argv[5], NULL, name, 0, 1, NULL, NULL, m, call_js, &m->tsfn);
  if (pthread_create(&m->thread, NULL, loop_thread, m) != 0) {
    fuse_unmount(m->fuse);
    fuse_destroy(m->fuse);
    napi_release_threadsafe_function(m->tsfn, napi_tsfn_abort);
    return throw_error(env, "cannot start the FUSE loop thread");
  }
  m->thread_started = 1;
  napi_value external;
  napi_create_external(env, m, NULL, NULL, &external);
  return external;
}

/* destroy(mount): after the loop has ended (the dispatcher got OP_EXIT). */
static napi_value js_destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  mount_t *m = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&m) != napi_ok || !m) return throw_error(env, "destroy needs a mount");
  if (m->destroyed) return NULL;
  m->destroyed = 1;
  if (m->thread_started) pthread_join(m->thread, NULL);
  /* libfuse skips the umount when the connection is already gone, so this never touches another mount. */
  fuse_unmount(m->fuse);
  fuse_destroy(m->fuse);
  napi_release_threadsafe_function(m->tsfn, napi_tsfn_release);
  napi_delete_reference(env, m->out_ref);
  napi_delete_reference(env, m->caller_ref);
  return NULL;
}

static napi_value js_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_int32(env, fuse_version(), &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL},
    {"destroy", NULL, js_destroy, NULL, NULL, NULL, napi_default, NULL},
    {"version", NULL, js_version, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
