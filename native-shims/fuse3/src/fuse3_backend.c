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
 *   being served is in the shared Float64Array `caller` (pid, uid, gid, umask,
 *   start time).
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "passthrough.h"
#include "tree.h"
static mount_t *current(void) { return (mount_t *)fuse_get_context()->private_data; }

static int ask(request_t *r) {
  struct fuse_context *c = fuse_get_context();
  return ask_from(c->private_data, r, c->pid, (int32_t)c->uid, (int32_t)c->gid, (int32_t)c->umask);
}

static handle_t *handle_of(struct fuse_file_info *fi) { return fi ? (handle_t *)(uintptr_t)fi->fh : NULL; }

/* ---- metadata: answered by the ServedFs ---------------------------------------------- */

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  mount_t *m = current();
  handle_t *created = handle_of(fi);
  /* libfuse looks a file up right after creating it, on the same thread: the create's answer has its attributes. */
  if (created && created->has_created) {
    created->has_created = 0;
    *st = created->created;
    return 0;
  }
  /* A name its folder does not hold: the first step of every create, answered here. */
  if (path && !fi && m->names_ready && names_absent(&m->names, path)) return -ENOENT;
  if (path) {
    known_read_lock(&m->known);
    const known_t *k = known_get(&m->known, path);
    if (k) *st = k->st;
    known_unlock(&m->known);
    if (k) return 0;
  }
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
  (void)off; (void)fi;
  mount_t *m = current();
  known_read_lock(&m->known);
  const known_t *dir = known_get(&m->known, path);
  if (dir && dir->children) {
    /* Listed natively, with each entry's attributes when the kernel asks for them (readdirplus). */
    size_t len = strlen(path);
    char child[4096];
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    for (uint32_t i = 0; i < dir->nchildren; i++) {
      const known_t *k = NULL;
      if ((flags & FUSE_READDIR_PLUS) && len + strlen(dir->children[i]) + 2 < sizeof child) {
        snprintf(child, sizeof child, "%s/%s", len == 1 ? "" : path, dir->children[i]);
        k = known_get(&m->known, child);
      }
      if (k) filler(buf, dir->children[i], &k->st, 0, FUSE_FILL_DIR_PLUS);
      else filler(buf, dir->children[i], NULL, 0, 0);
    }
    known_unlock(&m->known);
    return 0;
  }
  known_unlock(&m->known);
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
  mount_t *m = current();
  if (m->immutable) {
    known_read_lock(&m->known);
    int found = known_get(&m->known, path) != NULL;
    known_unlock(&m->known);
    if (found) return (mode & W_OK) ? -EROFS : 0;
  }
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

static int opened(request_t *r, struct fuse_file_info *fi) { return open_handle(current(), r, fi); }

static int fs_open(const char *path, struct fuse_file_info *fi) {
  REQUEST(r, OP_OPEN);
  r.path = path;
  r.n[0] = fi->flags;
  int res = ask(&r);
  return res < 0 ? res : opened(&r, fi);
}

/* What a change that succeeded does to the names its folders hold (names.h); every change comes through here. */
static int named(int res, void (*change)(names_t *, const char *), const char *path) {
  mount_t *m = current();
  if (res == 0 && m->names_ready) change(&m->names, path);
  return res;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  REQUEST(r, OP_CREATE);
  r.path = path;
  r.n[0] = mode;
  r.n[1] = fi->flags;
  int res = ask(&r);
  return named(res < 0 ? res : opened(&r, fi), names_added, path);
}

static int fs_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  handle_t *h = handle_of(fi);
  if (h) release_handle(current(), h);
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

static int fs_unlink(const char *path) { return named(path_op(OP_UNLINK, path, NULL, 0), names_removed, path); }
static int fs_rmdir(const char *path) {
  int res = named(path_op(OP_RMDIR, path, NULL, 0), names_forget_below, path);
  return named(res, names_removed, path);
}
static int fs_mkdir(const char *path, mode_t mode) { return named(path_op(OP_MKDIR, path, NULL, mode), names_made_folder, path); }
/* A folder that moves takes its names along: both places are forgotten below and asked for again. */
static int fs_rename(const char *from, const char *to, unsigned int flags) {
  int res = named(path_op(OP_RENAME, from, to, flags), names_forget_below, from);
  named(res, names_forget_below, to);
  named(res, names_removed, from);
  return named(res, names_added, to);
}
/* libfuse hands (target, new name) for symlink and (existing, new name) for link. */
static int fs_symlink(const char *target, const char *path) { return named(path_op(OP_SYMLINK, path, target, 0), names_added, path); }
static int fs_link(const char *from, const char *to) { return named(path_op(OP_LINK, from, to, 0), names_added, to); }

static int fs_mknod(const char *path, mode_t mode, dev_t rdev) {
  REQUEST(r, OP_MKNOD);
  r.path = path;
  r.n[0] = mode;
  r.n[1] = (double)rdev;
  return named(ask(&r), names_added, path);
}

static int fs_readlink(const char *path, char *buf, size_t size) {
  mount_t *m = current();
  known_read_lock(&m->known);
  const known_t *k = known_get(&m->known, path);
  if (k && k->target) {
    strncpy(buf, k->target, size - 1);
    buf[size - 1] = '\0';
  }
  int found = k && k->target;
  known_unlock(&m->known);
  if (found) return 0;
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
  if (h->fd >= 0) return (int)read_backing(h, buf, size, off);
  request_t r;
  read_request(&r, h, buf, size, off);
  return ask(&r);
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  handle_t *h = handle_of(fi);
  if (!h) return -EBADF;
  if (h->fd >= 0) return h->writable ? (int)write_backing(h, buf, size, off) : -EBADF;
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

/* Immutable trees: the kernel keeps listings (and file pages) across opens; they change only with a notice. */
static int fs_opendir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  if (current()->immutable) {
    fi->keep_cache = 1;
    fi->cache_readdir = 1;
  }
  return 0;
}

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
  /* Passthrough serves backed files better than the write-back cache, and the kernel takes only one of them. */
  int passthrough = atomic_load(&m->passthrough) && passthrough_offered();
  if (!passthrough) atomic_store(&m->passthrough, 0);
  if (m->writeback && !passthrough && (conn->capable & FUSE_CAP_WRITEBACK_CACHE)) conn->want |= FUSE_CAP_WRITEBACK_CACHE;
  if (conn->capable & FUSE_CAP_CACHE_SYMLINKS) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  conn->max_write = 1 << 20;
  return m;
}

static const struct fuse_operations ops = {
  .init = fs_init,
  .getattr = fs_getattr,
  .opendir = fs_opendir,
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
  m->loop_result = m->se ? fuse_session_loop_mt(m->se, cfg) : fuse_loop_mt(m->fuse, cfg);
  fuse_loop_cfg_destroy(cfg);
  request_t *exit_req = calloc(1, sizeof *exit_req);
  if (exit_req) {
    exit_req->op = OP_EXIT;
    napi_call_threadsafe_function(m->tsfn, exit_req, napi_tsfn_blocking);
  }
  return NULL;
}

/* The mount's server: libfuse's high-level one for sessions, the low-level tree server for immutable trees. */
static int server_new(mount_t *m, struct fuse_args *args) {
  if (m->immutable) m->se = tree_session_new(args, m);
  else m->fuse = fuse_new(args, &ops, sizeof ops, m);
  return m->se || m->fuse ? 0 : -1;
}
static int server_mount(mount_t *m, const char *mountpoint) {
  return m->se ? fuse_session_mount(m->se, mountpoint) : fuse_mount(m->fuse, mountpoint);
}
/* libfuse skips the umount when the connection is already gone, so this never touches another mount. */
static void server_end(mount_t *m, int mounted) {
  if (m->se) {
    if (mounted) fuse_session_unmount(m->se);
    fuse_session_destroy(m->se);
  } else if (m->fuse) {
    if (mounted) fuse_unmount(m->fuse);
    fuse_destroy(m->fuse);
  }
  m->se = NULL;
  m->fuse = NULL;
}

/* mount(mountpoint, fuseOptions, cacheSeconds, inodes, writeback, dispatch, out: Float64Array(32), caller: Float64Array(5), immutable, passthrough) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 10) return throw_error(env, "mount needs 10 arguments");
  char *mountpoint = string_arg(env, argv[0]);
  char *options = string_arg(env, argv[1]);
  mount_t *m = calloc(1, sizeof *m);
  const char *why = NULL;
  int mounted = 0;
  if (!mountpoint || !options || !m || known_init(&m->known) != 0) {
    why = "mount: bad mountpoint or options";
    goto fail;
  }
  bool inodes = false, writeback = false, immutable = false;
  napi_get_value_double(env, argv[2], &m->cache_seconds);
  napi_get_value_bool(env, argv[3], &inodes);
  napi_get_value_bool(env, argv[4], &writeback);
  napi_get_value_bool(env, argv[8], &immutable);
  m->inodes = inodes;
  m->writeback = writeback;
  m->immutable = immutable;
  /* Immutable trees answer from `known`; sessions learn their folders' names (listed, then kept up to date). */
  if (!immutable) m->names_ready = names_init(&m->names) == 0;
  m->out = typed_data(env, argv[6], napi_float64_array, OUT_SLOTS);
  m->caller = typed_data(env, argv[7], napi_float64_array, CALLER_SLOTS);
  if (!m->out || !m->caller) {
    why = "mount: out must be a Float64Array(32) and caller a Float64Array(5)";
    goto fail;
  }
  char *fuse_argv[] = {"fairfs", "-o", options, NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
  if (server_new(m, &args) != 0) {
    why = "libfuse refused the options (see the line above from libfuse)";
    goto fail;
  }
  if (server_mount(m, mountpoint) != 0) {
    why = "fuse_mount failed (see the line above from libfuse)";
    goto fail;
  }
  mounted = 1;
  /* Between libfuse and /dev/fuse before the first request (INIT) is read. */
  bool passthrough = false;
  napi_get_value_bool(env, argv[9], &passthrough);
  if (passthrough && passthrough_attach(m->se ? m->se : fuse_get_session(m->fuse)) == 0) atomic_store(&m->passthrough, 1);
  napi_value name;
  napi_create_string_utf8(env, "fairfs-fuse3", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[5], NULL, name, 0, 1, NULL, NULL, m, call_js, &m->tsfn) != napi_ok) {
    why = "cannot make the thread-safe function";
    goto fail;
  }
  if (pthread_create(&m->thread, NULL, loop_thread, m) != 0) {
    napi_release_threadsafe_function(m->tsfn, napi_tsfn_abort);
    why = "cannot start the FUSE loop thread";
    goto fail;
  }
  m->thread_started = 1;
  napi_create_reference(env, argv[6], 1, &m->out_ref);
  napi_create_reference(env, argv[7], 1, &m->caller_ref);
  free(mountpoint);
  free(options);
  napi_value external;
  napi_create_external(env, m, NULL, NULL, &external);
  return external;

fail:
  if (m) {
    server_end(m, mounted);
    if (m->known.buckets) known_free(&m->known);
    if (m->names_ready) names_free(&m->names);
  }
  free(mountpoint);
  free(options);
  free(m);
  return throw_error(env, why);
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
  while (atomic_load(&m->invalidating) > 0) usleep(1000);
  server_end(m, 1);
  napi_release_threadsafe_function(m->tsfn, napi_tsfn_release);
  napi_delete_reference(env, m->out_ref);
  napi_delete_reference(env, m->caller_ref);
  known_free(&m->known);
  if (m->names_ready) {
    m->names_ready = 0;
    names_free(&m->names);
  }
  return NULL;
}

static mount_t *mount_arg(napi_env env, napi_value v) {
  mount_t *m = NULL;
  if (napi_get_value_external(env, v, (void **)&m) != napi_ok || !m || m->destroyed) return NULL;
  return m;
}

/* know(mount, path, stat: Float64Array(15), target?: string, children?: string[]) */
static napi_value js_know(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  mount_t *m = argc == 5 ? mount_arg(env, argv[0]) : NULL;
  double *o = argc == 5 ? typed_data(env, argv[2], napi_float64_array, 15) : NULL;
  char *path = argc == 5 ? string_arg(env, argv[1]) : NULL;
  if (!m || !o || !path) {
    free(path);
    return throw_error(env, "know(mount, path, stat: Float64Array(15), target?, children?)");
  }
  struct stat st;
  fill_stat(&st, o);
  char *target = string_arg(env, argv[3]);
  bool is_array = false;
  napi_is_array(env, argv[4], &is_array);
  uint32_t count = 0;
  char **children = is_array ? string_array(env, argv[4], &count) : NULL;
  int res = is_array && !children ? -1 : known_put(&m->known, path, &st, target, children, count);
  free(path);
  if (res != 0) return throw_error(env, "know: out of memory");
  return NULL;
}

/* forget(mount, path): the core answers it again. */
static napi_value js_forget(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  mount_t *m = argc == 2 ? mount_arg(env, argv[0]) : NULL;
  char *path = argc == 2 ? string_arg(env, argv[1]) : NULL;
  if (m && path) known_drop(&m->known, path);
  free(path);
  return NULL;
}

/* listed(mount, folder, names: string[]): a folder whose names change only through this mount, with all it holds. */
static napi_value js_listed(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  mount_t *m = argc == 3 ? mount_arg(env, argv[0]) : NULL;
  bool is_array = false;
  if (m) napi_is_array(env, argv[2], &is_array);
  char *dir = m && is_array ? string_arg(env, argv[1]) : NULL;
  if (!dir) return throw_error(env, "listed(mount, folder: string, names: string[])");
  uint32_t count = 0;
  char **names = string_array(env, argv[2], &count);
  /* Out of memory: the folder stays unknown and its lookups are asked for, as before. */
  if (names && m->names_ready) names_listed(&m->names, dir, names, count);
  for (uint32_t i = 0; names && i < count; i++) free(names[i]);
  free(names);
  free(dir);
  return NULL;
}

typedef struct invalidation {
  mount_t *m;
  char **paths;
  uint32_t count;
} invalidation_t;

/*
 * Off the JavaScript thread: the kernel may wait, while it drops a page, for a
 * request that JavaScript has yet to answer.
 */
static void *invalidate_thread(void *arg) {
  invalidation_t *inv = arg;
  for (uint32_t i = 0; i < inv->count; i++) {
    if (inv->m->se) tree_invalidate(inv->m, inv->paths[i]);
    else fuse_invalidate_path(inv->m->fuse, inv->paths[i]);
    free(inv->paths[i]);
  }
  atomic_fetch_sub(&inv->m->invalidating, 1);
  free(inv->paths);
  free(inv);
  return NULL;
}

/* invalidate(mount, paths: string[]): the kernel forgets what it cached of them (attributes, pages, listings). */
static napi_value js_invalidate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  mount_t *m = argc == 2 ? mount_arg(env, argv[0]) : NULL;
  bool is_array = false;
  if (m) napi_is_array(env, argv[1], &is_array);
  if (!is_array) return throw_error(env, "invalidate(mount, paths: string[])");
  invalidation_t *inv = calloc(1, sizeof *inv);
  if (!inv || !(inv->paths = string_array(env, argv[1], &inv->count))) {
    free(inv);
    return throw_error(env, "invalidate: out of memory");
  }
  inv->m = m;
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  atomic_fetch_add(&m->invalidating, 1);
  if (pthread_create(&thread, &attr, invalidate_thread, inv) != 0) {
    atomic_fetch_sub(&m->invalidating, 1);
    for (uint32_t i = 0; i < inv->count; i++) free(inv->paths[i]);
    free(inv->paths);
    free(inv);
  }
  pthread_attr_destroy(&attr);
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
    {"know", NULL, js_know, NULL, NULL, NULL, napi_default, NULL},
    {"forget", NULL, js_forget, NULL, NULL, NULL, napi_default, NULL},
    {"invalidate", NULL, js_invalidate, NULL, NULL, NULL, napi_default, NULL},
    {"version", NULL, js_version, NULL, NULL, NULL, napi_default, NULL},
    {"sha1File", NULL, js_sha1_file, NULL, NULL, NULL, napi_default, NULL},
    {"listed", NULL, js_listed, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
