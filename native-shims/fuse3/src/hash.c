/*
 * SHA-1 of a staged output, off the JavaScript thread.
 *
 * Under passthrough the daemon never sees an output's bytes, so they are read
 * back to be hashed. This does it on libuv's thread pool (N-API async work)
 * as soon as the last writer has released the file, with the OpenSSL that
 * Node itself links (its headers ship with Node's; its symbols are exported),
 * so finalise finds the hash ready and the JavaScript thread never touches
 * the bytes. The file's attributes are taken before and after: a hash whose
 * file changed meanwhile is reported as unusable (null) rather than wrong.
 */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"

/* Read in chunks this large: big enough for SHA-1's speed, small enough for several jobs at once. */
#define CHUNK (1u << 20)

typedef struct hash_job {
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  struct stat st;
  char hex[41];
  /* 0: hashed and unchanged; 1: the file changed while it was read; else an errno. */
  int outcome;
} hash_job_t;

static int same_file_state(const struct stat *a, const struct stat *b) {
  return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* On a thread-pool thread: no N-API calls here. */
static void hash_execute(napi_env env, void *data) {
  (void)env;
  hash_job_t *job = data;
  int fd = open(job->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    job->outcome = errno;
    return;
  }
  struct stat after;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t cap = CHUNK;
  unsigned char *buf = NULL;
  job->outcome = EIO;
  if (!ctx || fstat(fd, &job->st) != 0 || !S_ISREG(job->st.st_mode) || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1) goto done;
  if ((size_t)job->st.st_size < cap) cap = (size_t)job->st.st_size + 1;
  if (!(buf = malloc(cap))) {
    job->outcome = ENOMEM;
    goto done;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  for (;;) {
    ssize_t n = read(fd, buf, cap);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      job->outcome = errno;
      goto done;
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) goto done;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 20 || fstat(fd, &after) != 0) goto done;
  static const char digits[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; i++) {
    job->hex[2 * i] = digits[md[i] >> 4];
    job->hex[2 * i + 1] = digits[md[i] & 15];
  }
  job->hex[40] = '\0';
  job->outcome = same_file_state(&job->st, &after) ? 0 : 1;
done:
  free(buf);
  EVP_MD_CTX_free(ctx);
  close(fd);
}

static napi_value bigint_ns(napi_env env, const struct timespec *ts) {
  napi_value v;
  napi_create_bigint_int64(env, (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec, &v);
  return v;
}

static void set(napi_env env, napi_value obj, const char *key, napi_value v) { napi_set_named_property(env, obj, key, v); }

/* On the JavaScript thread: { sha1, size, ino, mtimeNs, ctimeNs } of the file as hashed, null if it changed meanwhile. */
static void hash_complete(napi_env env, napi_status status, void *data) {
  hash_job_t *job = data;
  napi_value result;
  if (status != napi_ok || (job->outcome != 0 && job->outcome != 1)) {
    napi_value msg;
    const char *why = status != napi_ok ? "cancelled" : strerror(job->outcome);
    napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    napi_reject_deferred(env, job->deferred, result);
  } else if (job->outcome == 1) {
    napi_get_null(env, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    napi_value v;
    napi_create_object(env, &result);
    napi_create_string_utf8(env, job->hex, 40, &v);
    set(env, result, "sha1", v);
    napi_create_double(env, (double)job->st.st_size, &v);
    set(env, result, "size", v);
    napi_create_double(env, (double)job->st.st_ino, &v);
    set(env, result, "ino", v);
    set(env, result, "mtimeNs", bigint_ns(env, &job->st.st_mtim));
    set(env, result, "ctimeNs", bigint_ns(env, &job->st.st_ctim));
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free(job->path);
  free(job);
}

/* sha1File(path: string) -> Promise<{ sha1, size, ino, mtimeNs, ctimeNs } | null> */
napi_value js_sha1_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *path = argc == 1 ? string_arg(env, argv[0]) : NULL;
  if (!path) return throw_error(env, "sha1File(path: string)");
  hash_job_t *job = calloc(1, sizeof *job);
  if (!job) {
    free(path);
    return throw_error(env, "sha1File: out of memory");
  }
  job->path = path;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "fairfs-sha1", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, hash_execute, hash_complete, job, &job->work) != napi_ok) {
    free(job->path);
    free(job);
    return throw_error(env, "sha1File: cannot make the work");
  }
  if (napi_queue_async_work(env, job->work) != napi_ok) hash_complete(env, napi_cancelled, job);
  return promise;
}
