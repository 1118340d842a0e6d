#include "tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mount_t *mount_of(fuse_req_t req) { return fuse_req_userdata(req); }

static int ask_req(fuse_req_t req, request_t *r) {
  const struct fuse_ctx *c = fuse_req_ctx(req);
  return ask_from(mount_of(req), r, c->pid, (int32_t)c->uid, (int32_t)c->gid, (int32_t)c->umask);
}

/* The path of an inode, copied; NULL when the inode is unknown. */
static char *path_of(mount_t *m, fuse_ino_t ino) {
  known_read_lock(&m->known);
  const known_t *k = known_by_ino(&m->known, ino);
  char *path = k ? strdup(k->path) : NULL;
  known_unlock(&m->known);
  return path;
}

static char *child_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (path) snprintf(path, n, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);
  return path;
}

static void reply_entry(fuse_req_t req, mount_t *m, fuse_ino_t ino, const struct stat *st) {
  struct fuse_entry_param e;
  memset(&e, 0, sizeof e);
  e.ino = ino;
  e.generation = 1;
  e.attr = *st;
  e.attr.st_ino = ino;
  e.attr_timeout = m->cache_seconds;
  e.entry_timeout = m->cache_seconds;
  fuse_reply_entry(req, &e);
}

/* Attributes from the core for what the table has no answer for (component trees). */
static int ask_stat(fuse_req_t req, const char *path, struct stat *st) {
  REQUEST(r, OP_GETATTR);
  r.path = path;
  r.n[0] = -1;
  int res = ask_req(req, &r);
  if (res == 0) fill_stat(st, r.out);
  return res;
}

static void tree_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
  mount_t *m = mount_of(req);
  char *dir = path_of(m, parent);
  char *path = dir ? child_path(dir, name) : NULL;
  free(dir);
  if (!path) {
    fuse_reply_err(req, dir ? ENOMEM : ENOENT);
    return;
  }
  struct stat st;
  fuse_ino_t ino = 0;
  known_read_lock(&m->known);
  const known_t *k = known_get(&m->known, path);
  if (k) {
    st = k->st;
    ino = k->ino;
  }
  known_unlock(&m->known);
  if (!ino) {
    int res = ask_stat(req, path, &st);
    if (res == 0 && !(ino = known_ensure(&m->known, path))) res = -ENOMEM;
    if (res < 0) {
      free(path);
      fuse_reply_err(req, -res);
      return;
    }
  }
  free(path);
  reply_entry(req, m, ino, &st);
}

/* Entries are kept for the mount's life: nothing to forget. */
static void tree_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  (void)ino; (void)nlookup;
  fuse_reply_none(req);
}

static void tree_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets) {
  (void)count; (void)forgets;
  fuse_reply_none(req);
}

static void tree_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)fi;
  mount_t *m = mount_of(req);
  struct stat st;
  int found = 0, gone = 0;
  char *path = NULL;
  known_read_lock(&m->known);
  const known_t *k = known_by_ino(&m->known, ino);
  if (k && k->has_stat && !k->gone) {
    st = k->st;
    found = 1;
  } else if (k && k->gone) {
    gone = 1;
  } else if (k) {
    path = strdup(k->path);
  }
  known_unlock(&m->known);
  if (found) {
    fuse_reply_attr(req, &st, m->cache_seconds);
    return;
  }
  if (gone || !path) {
    fuse_reply_err(req, gone || !k ? ENOENT : ENOMEM);
    return;
  }
  int res = ask_stat(req, path, &st);
  free(path);
  st.st_ino = ino;
  if (res < 0) fuse_reply_err(req, -res);
  else fuse_reply_attr(req, &st, m->cache_seconds);
}

static void tree_readlink(fuse_req_t req, fuse_ino_t ino) {
  mount_t *m = mount_of(req);
  known_read_lock(&m->known);
  const known_t *k = known_by_ino(&m->known, ino);
  char *target = k && k->target && !k->gone ? strdup(k->target) : NULL;
  char *path = !target && k && !k->gone ? strdup(k->path) : NULL;
  known_unlock(&m->known);
  if (target) {
    fuse_reply_readlink(req, target);
    free(target);
    return;
  }
  if (!path) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  REQUEST(r, OP_READLINK);
  r.path = path;
  int res = ask_req(req, &r);
  free(path);
  if (res == 0 && r.text) fuse_reply_readlink(req, r.text);
  else fuse_reply_err(req, res < 0 ? -res : EIO);
  free(r.text);
}

/* No opendir: the kernel then opens directories itself and keeps their listings (cached readdir). */
static void tree_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)ino; (void)fi;
  fuse_reply_err(req, ENOSYS);
}

/* One entry of a listing into buf at *pos; 0 when it does not fit. */
static int add_entry(fuse_req_t req, char *buf, size_t size, size_t *pos, const char *name, const struct stat *st,
                     fuse_ino_t ino, double timeout, int plus, off_t next) {
  size_t len;
  if (plus) {
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    /* ino 0: the kernel takes only the name and type (dot entries, entries it must look up). */
    e.ino = ino;
    e.generation = 1;
    e.attr = *st;
    e.attr_timeout = timeout;
    e.entry_timeout = timeout;
    len = fuse_add_direntry_plus(req, buf + *pos, size - *pos, name, &e, next);
  } else {
    len = fuse_add_direntry(req, buf + *pos, size - *pos, name, st, next);
  }
  if (len > size - *pos) return 0;
  *pos += len;
  return 1;
}

/* Readers skip entries of inode 0: libfuse's "unknown" number stands for one the kernel learns by lookup. */
#define UNKNOWN_INO 0xffffffff

static void dot_stat(struct stat *st, fuse_ino_t ino) {
  memset(st, 0, sizeof *st);
  st->st_ino = ino ? ino : UNKNOWN_INO;
  st->st_mode = S_IFDIR;
}

/* A listing the table has in full: names, and for readdirplus each one's inode and attributes. */
static int list_known(fuse_req_t req, mount_t *m, fuse_ino_t ino, size_t size, off_t off, int plus) {
  known_read_lock(&m->known);
  const known_t *dir = known_by_ino(&m->known, ino);
  if (!dir || dir->gone || !dir->children) {
    known_unlock(&m->known);
    return 0;
  }
  char *buf = malloc(size);
  if (!buf) {
    known_unlock(&m->known);
    fuse_reply_err(req, ENOMEM);
    return 1;
  }
  size_t pos = 0;
  char child[4096];
  struct stat st;
  for (off_t i = off; i < (off_t)dir->nchildren + 2; i++) {
    int fits;
    if (i < 2) {
      dot_stat(&st, i == 0 ? ino : 0);
      fits = add_entry(req, buf, size, &pos, i == 0 ? "." : "..", &st, 0, 0, plus, i + 1);
    } else {
      const char *name = dir->children[i - 2];
      const known_t *k = NULL;
      if ((size_t)snprintf(child, sizeof child, "%s/%s", strcmp(dir->path, "/") == 0 ? "" : dir->path, name) < sizeof child)
        k = known_get(&m->known, child);
      if (k) {
        fits = add_entry(req, buf, size, &pos, name, &k->st, k->ino, m->cache_seconds, plus, i + 1);
      } else {
        memset(&st, 0, sizeof st);
        st.st_ino = UNKNOWN_INO;
        fits = add_entry(req, buf, size, &pos, name, &st, 0, 0, plus, i + 1);
      }
    }
    if (!fits) break;
  }
  known_unlock(&m->known);
  fuse_reply_buf(req, buf, pos);
  free(buf);
  return 1;
}

/* A listing the core gives (component trees): names only; the kernel looks each one up. */
static void list_asked(fuse_req_t req, mount_t *m, fuse_ino_t ino, size_t size, off_t off, int plus) {
  char *path = path_of(m, ino);
  if (!path) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  REQUEST(r, OP_READDIR);
  r.path = path;
  int res = ask_req(req, &r);
  free(path);
  char *buf = res == 0 ? malloc(size) : NULL;
  if (res == 0 && !buf) res = -ENOMEM;
  if (res == 0) {
    size_t pos = 0;
    struct stat st;
    for (off_t i = off; i < (off_t)r.count + 2; i++) {
      dot_stat(&st, 0);
      if (i >= 2) st.st_mode = 0;
      if (!add_entry(req, buf, size, &pos, i == 0 ? "." : i == 1 ? ".." : r.names[i - 2], &st, 0, 0, plus, i + 1)) break;
    }
    fuse_reply_buf(req, buf, pos);
  } else {
    fuse_reply_err(req, -res);
  }
  free(buf);
  for (uint32_t i = 0; i < r.count; i++) free(r.names[i]);
  free(r.names);
}

static void list(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus) {
  mount_t *m = mount_of(req);
  if (!list_known(req, m, ino, size, off, plus)) list_asked(req, m, ino, size, off, plus);
}

static void tree_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  list(req, ino, size, off, 0);
}

static void tree_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  list(req, ino, size, off, 1);
}

static void tree_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  char *path = path_of(mount_of(req), ino);
  if (!path) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  REQUEST(r, OP_OPEN);
  r.path = path;
  r.n[0] = fi->flags;
  int res = ask_req(req, &r);
  free(path);
  if (res == 0) res = open_handle(mount_of(req), &r, fi);
  if (res < 0) fuse_reply_err(req, -res);
  else {
    /* An interrupted open: the kernel sends no release, so this is it. */
    mount_t *m = mount_of(req);
    if (fuse_reply_open(req, fi) == -ENOENT) release_handle(m, (handle_t *)(uintptr_t)fi->fh);
  }
}

static void tree_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)ino;
  handle_t *h = (handle_t *)(uintptr_t)fi->fh;
  char *buf = malloc(size ? size : 1);
  if (!buf) {
    fuse_reply_err(req, ENOMEM);
    return;
  }
  ssize_t n;
  if (h->fd >= 0) {
    n = read_backing(h, buf, size, off);
  } else {
    request_t r;
    read_request(&r, h, buf, size, off);
    n = ask_req(req, &r);
  }
  if (n < 0) fuse_reply_err(req, (int)-n);
  else fuse_reply_buf(req, buf, (size_t)n);
  free(buf);
}

static void tree_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)ino;
  handle_t *h = (handle_t *)(uintptr_t)fi->fh;
  if (h) release_handle(mount_of(req), h);
  fuse_reply_err(req, 0);
}

static void tree_statfs(fuse_req_t req, fuse_ino_t ino) {
  (void)ino;
  REQUEST(r, OP_STATFS);
  r.path = "/";
  int res = ask_req(req, &r);
  if (res < 0) {
    fuse_reply_err(req, -res);
    return;
  }
  struct statvfs sv;
  memset(&sv, 0, sizeof sv);
  sv.f_bsize = (unsigned long)r.out[0];
  sv.f_frsize = (unsigned long)r.out[1];
  sv.f_blocks = (fsblkcnt_t)r.out[2];
  sv.f_bfree = (fsblkcnt_t)r.out[3];
  sv.f_bavail = (fsblkcnt_t)r.out[4];
  sv.f_files = (fsfilcnt_t)r.out[5];
  sv.f_ffree = (fsfilcnt_t)r.out[6];
  sv.f_favail = (fsfilcnt_t)r.out[7];
  sv.f_namemax = (unsigned long)r.out[8];
  fuse_reply_statfs(req, &sv);
}

static void tree_init(void *userdata, struct fuse_conn_info *conn) {
  (void)userdata;
  if (conn->capable & FUSE_CAP_CACHE_SYMLINKS) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  /* Attributes come with every listing at no cost here: always readdirplus. */
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
  if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
}

static const struct fuse_lowlevel_ops tree_ops = {
  .init = tree_init,
  .lookup = tree_lookup,
  .forget = tree_forget,
  .forget_multi = tree_forget_multi,
  .getattr = tree_getattr,
  .readlink = tree_readlink,
  .opendir = tree_opendir,
  .readdir = tree_readdir,
  .readdirplus = tree_readdirplus,
  .open = tree_open,
  .read = tree_read,
  .release = tree_release,
  .statfs = tree_statfs,
};

struct fuse_session *tree_session_new(struct fuse_args *args, mount_t *m) {
  return fuse_session_new(args, &tree_ops, sizeof tree_ops, m);
}

void tree_invalidate(mount_t *m, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return;
  char *dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
  if (!dir) return;
  fuse_ino_t parent = 0, ino = 0;
  known_read_lock(&m->known);
  const known_t *d = known_find(&m->known, dir);
  const known_t *k = known_find(&m->known, path);
  if (d) parent = d->ino;
  if (k) ino = k->ino;
  known_unlock(&m->known);
  free(dir);
  /* -ENOENT: the kernel never saw it; nothing to drop. */
  if (parent && slash[1]) fuse_lowlevel_notify_inval_entry(m->se, parent, slash + 1, strlen(slash + 1));
  if (ino) fuse_lowlevel_notify_inval_inode(m->se, ino, 0, 0);
}
