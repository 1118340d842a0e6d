/* The way to JavaScript and back, shared by both servers (backend.h). */
#include "backend.h"
#include "passthrough.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void set_number(napi_env env, double v, napi_value *out) { napi_create_double(env, v, out); }

static void set_string(napi_env env, const char *s, napi_value *out) {
  if (s) napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, out);
  else napi_get_undefined(env, out);
}

char *copy_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* The asker waits for the answer; a posted request has no one waiting and is freed here. */
static void finish(request_t *r) {
  if (!r->posted) {
    sem_post(&r->done);
    return;
  }
  for (uint32_t i = 0; i < r->count; i++) free(r->names[i]);
  free(r->names);
  free(r->text);
  free(r);
}

/* Runs on the JavaScript thread: one request through the dispatcher, its answer copied back. */
void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
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
    finish(r);
    return;
  }
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  m->caller[0] = r->pid;
  m->caller[1] = r->uid;
  m->caller[2] = r->gid;
  m->caller[3] = r->umask;
  m->caller[4] = r->start;
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
  finish(r);
}

int post_from(mount_t *m, const request_t *r) {
  request_t *copy = malloc(sizeof *copy);
  if (!copy) return -ENOMEM;
  *copy = *r;
  copy->posted = 1;
  /* Paths are the caller's: a posted request carries none (release names its handle). */
  copy->path = copy->path2 = NULL;
  copy->buf = NULL;
  if (napi_call_threadsafe_function(m->tsfn, copy, napi_tsfn_blocking) != napi_ok) {
    free(copy);
    return -EIO;
  }
  return 0;
}

/* A process's start time (/proc/PID/stat field 22, clock ticks since boot), -1 when it is gone or unreadable. */
static double process_start(int32_t pid) {
  if (pid <= 0) return -1;
  char path[32], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  /* The command name (field 2) may hold spaces and parentheses: count from its last ')'. */
  char *p = strrchr(buf, ')');
  for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
  return p ? strtod(p + 1, NULL) : -1;
}

/*
 * Questions about the tree (getattr, readdir, access, statfs, readlink) are
 * answered the same whoever asks: only opens and changes journal or judge
 * their caller, so only they pay for reading /proc. (Without a start time
 * JavaScript reads it itself, should it ever need one.)
 */
static int judges_caller(int op) {
  return op != OP_GETATTR && op != OP_READDIR && op != OP_ACCESS && op != OP_STATFS && op != OP_READLINK;
}

/* The worker thread blocks until JavaScript answers; the data path never comes here. */
int ask_from(mount_t *m, request_t *r, int32_t pid, int32_t uid, int32_t gid, int32_t umask) {
  r->start = judges_caller(r->op) ? process_start(pid) : -1;
  r->pid = pid;
  r->uid = uid;
  r->gid = gid;
  r->umask = umask;
  sem_init(&r->done, 0, 0);
  if (napi_call_threadsafe_function(m->tsfn, r, napi_tsfn_blocking) != napi_ok) {
    sem_destroy(&r->done);
    return -EIO;
  }
  while (sem_wait(&r->done) == -1 && errno == EINTR) {}
  sem_destroy(&r->done);
  return r->result;
}

static void fill_timespec(struct timespec *ts, double sec, double nsec) {
  ts->tv_sec = (time_t)sec;
  ts->tv_nsec = (long)nsec;
}

/* out[]: mode size nlink uid gid rdev ino blksize blocks atime(s ns) mtime(s ns) ctime(s ns) */
void fill_stat(struct stat *st, const double *o) {
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

/* out[]: js handle, backing fd (-1: none), OPEN_* flags */
static struct fuse_session *session_of(mount_t *m) { return m->se ? m->se : fuse_get_session(m->fuse); }

int open_handle(mount_t *m, request_t *r, struct fuse_file_info *fi) {
  handle_t *h = calloc(1, sizeof *h);
  if (!h) return -ENOMEM;
  h->js_fh = r->out[0];
  h->fd = (int)r->out[1];
  int flags = (int)r->out[2];
  h->writable = (flags & OPEN_WRITABLE) != 0;
  fi->keep_cache = (flags & OPEN_KEEP_CACHE) != 0;
  fi->direct_io = (flags & OPEN_DIRECT_IO) != 0;
  /* Flush does nothing here (the run is finalised from the staged files): close() need not wait for it.
     The kernel still writes dirty pages back on close where the write-back cache is on. */
  fi->noflush = 1;
  fi->fh = (uint64_t)(uintptr_t)h;
  if (r->op == OP_CREATE && r->out[CREATED_STAT] > 0) {
    fill_stat(&h->created, r->out + CREATED_STAT);
    h->has_created = 1;
  }
  if (h->fd >= 0 && atomic_load(&m->passthrough)) {
    h->backing_id = passthrough_open(session_of(m), h->fd);
    /* The kernel refuses it for the whole connection (no CAP_SYS_ADMIN, an older kernel): stop asking. */
    if (h->backing_id < 0) atomic_store(&m->passthrough, 0);
  }
  return 0;
}

void release_handle(mount_t *m, handle_t *h) {
  request_t r;
  memset(&r, 0, sizeof r);
  r.op = OP_RELEASE;
  r.n[0] = h->js_fh;
  r.n[1] = (double)atomic_load(&h->bytes_read);
  r.n[2] = (double)atomic_load(&h->bytes_written);
  r.n[3] = h->backing_id > 0;
  /* The kernel does not wait for a release: neither does the worker (requests reach JavaScript in order). */
  post_from(m, &r);
  if (h->backing_id > 0) passthrough_close(session_of(m), h->backing_id);
  free(h);
}

ssize_t read_backing(handle_t *h, char *buf, size_t size, off_t off) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(h->fd, buf + done, size - done, off + (off_t)done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!done) return -errno;
      break;
    }
    if (n == 0) break;
    done += (size_t)n;
  }
  atomic_fetch_add(&h->bytes_read, done);
  return (ssize_t)done;
}

ssize_t write_backing(handle_t *h, const char *buf, size_t size, off_t off) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(h->fd, buf + done, size - done, off + (off_t)done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!done) return -errno;
      break;
    }
    done += (size_t)n;
  }
  atomic_fetch_add(&h->bytes_written, done);
  return (ssize_t)done;
}

napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

void *typed_data(napi_env env, napi_value v, napi_typedarray_type want, size_t min_len) {
  napi_typedarray_type type;
  size_t len;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, &ab, &off) != napi_ok) return NULL;
  return type == want && len >= min_len ? data : NULL;
}

char **string_array(napi_env env, napi_value array, uint32_t *count) {
  uint32_t n = 0;
  napi_get_array_length(env, array, &n);
  char **out = calloc(n ? n : 1, sizeof *out);
  *count = 0;
  for (uint32_t i = 0; out && i < n; i++) {
    napi_value el;
    napi_get_element(env, array, i, &el);
    if ((out[*count] = string_arg(env, el))) (*count)++;
  }
  return out;
}

void read_request(request_t *r, const handle_t *h, char *buf, size_t size, off_t off) {
  memset(r, 0, sizeof *r);
  r->op = OP_READ;
  r->n[0] = h->js_fh;
  r->n[1] = (double)size;
  r->n[2] = (double)off;
  r->buf = buf;
  r->len = size;
}

char *string_arg(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_string ? copy_string(env, v) : NULL;
}
