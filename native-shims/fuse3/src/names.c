#define _GNU_SOURCE
#include "names.h"
#include "path_hash.h"

#include <stdlib.h>
#include <string.h>

struct name_entry {
  char *path;
  size_t len;
  uint64_t hash;
  /* The path exists (a name in its folder); the path is a folder whose names are all known. */
  int present, complete;
  name_entry_t *next;
};

int names_init(names_t *t) {
  memset(t, 0, sizeof *t);
  t->nbuckets = 1024;
  t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
  if (!t->buckets) return -1;
  return pthread_rwlock_init(&t->lock, NULL) == 0 ? 0 : -1;
}

void names_free(names_t *t) {
  for (size_t b = 0; b < t->nbuckets; b++) {
    for (name_entry_t *e = t->buckets[b], *next; e; e = next) {
      next = e->next;
      free(e->path);
      free(e);
    }
  }
  free(t->buckets);
  free(t->complete);
  t->buckets = NULL;
  t->complete = NULL;
  t->nbuckets = t->count = t->ncomplete = t->complete_cap = 0;
  pthread_rwlock_destroy(&t->lock);
}

/* Under the write lock: a folder whose names are all known from now on (0), or -1 when it cannot be noted. */
static int mark_complete(names_t *t, name_entry_t *dir) {
  if (dir->complete) return 0;
  if (t->ncomplete == t->complete_cap) {
    size_t cap = t->complete_cap ? t->complete_cap * 2 : 64;
    name_entry_t **grown = realloc(t->complete, cap * sizeof *grown);
    if (!grown) return -1;
    t->complete = grown;
    t->complete_cap = cap;
  }
  t->complete[t->ncomplete++] = dir;
  dir->complete = 1;
  return 0;
}

static name_entry_t *find(const names_t *t, const char *s, size_t len) {
  uint64_t h = path_hash(s, len);
  for (name_entry_t *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->next) {
    if (e->hash == h && e->len == len && memcmp(e->path, s, len) == 0) return e;
  }
  return NULL;
}

/* Under the write lock: double the buckets when the chains grow past one entry on average. */
static void grow(names_t *t) {
  if (t->count < t->nbuckets) return;
  size_t n = t->nbuckets * 2;
  name_entry_t **buckets = calloc(n, sizeof *buckets);
  if (!buckets) return; /* longer chains, still correct */
  for (size_t b = 0; b < t->nbuckets; b++) {
    for (name_entry_t *e = t->buckets[b], *next; e; e = next) {
      next = e->next;
      e->next = buckets[e->hash & (n - 1)];
      buckets[e->hash & (n - 1)] = e;
    }
  }
  free(t->buckets);
  t->buckets = buckets;
  t->nbuckets = n;
}

/* Under the write lock: the entry of a path, made if new; NULL when out of memory. */
static name_entry_t *ensure(names_t *t, const char *s, size_t len) {
  name_entry_t *e = find(t, s, len);
  if (e) return e;
  grow(t);
  e = calloc(1, sizeof *e);
  if (!e || !(e->path = malloc(len + 1))) {
    free(e);
    return NULL;
  }
  memcpy(e->path, s, len);
  e->path[len] = '\0';
  e->len = len;
  e->hash = path_hash(s, len);
  size_t at = e->hash & (t->nbuckets - 1);
  e->next = t->buckets[at];
  t->buckets[at] = e;
  t->count++;
  return e;
}

static void drop(names_t *t, name_entry_t *gone) {
  name_entry_t **link = &t->buckets[gone->hash & (t->nbuckets - 1)];
  while (*link && *link != gone) link = &(*link)->next;
  if (*link) *link = gone->next;
  free(gone->path);
  free(gone);
  t->count--;
}

/* The length of path's folder ("/" for a name at the top), or 0 for "/" itself. */
static size_t parent_len(const char *path, size_t len) {
  if (len <= 1) return 0;
  const char *slash = memrchr(path, '/', len);
  if (!slash) return 0;
  return slash == path ? 1 : (size_t)(slash - path);
}

/* Under the write lock: the folder dir (its first dlen bytes) and every folder below it stop being complete. */
static void forget(names_t *t, const char *dir, size_t dlen) {
  if (!dlen) return;
  size_t kept = 0;
  for (size_t i = 0; i < t->ncomplete; i++) {
    name_entry_t *e = t->complete[i];
    int at_or_below = e->len >= dlen && memcmp(e->path, dir, dlen) == 0 && (e->len == dlen || dlen == 1 || e->path[dlen] == '/');
    if (at_or_below) e->complete = 0;
    else t->complete[kept++] = e;
  }
  t->ncomplete = kept;
}

/* Longer names are refused by the core with ENAMETOOLONG, as ext4 refuses them: never answered "absent" here. */
#define NAME_MAX_BYTES 255

int names_absent(names_t *t, const char *path) {
  size_t len = strlen(path);
  size_t plen = parent_len(path, len);
  if (!plen) return 0;
  /* The name starts after its folder's "/" (the folder "/" is that slash itself). */
  size_t name_len = plen == 1 ? len - 1 : len - plen - 1;
  if (name_len > NAME_MAX_BYTES) return 0;
  pthread_rwlock_rdlock(&t->lock);
  const name_entry_t *dir = find(t, path, plen);
  const name_entry_t *e = dir && dir->complete ? find(t, path, len) : NULL;
  int absent = dir && dir->complete && !(e && e->present);
  pthread_rwlock_unlock(&t->lock);
  return absent;
}

/* A folder's listing answered by JavaScript may hold names it could not render exactly (U+FFFD). */
static int exact(const char *name) { return strstr(name, "\xEF\xBF\xBD") == NULL; }

void names_listed(names_t *t, const char *dir, char *const *names, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    if (!exact(names[i])) return;
  }
  size_t dlen = strlen(dir);
  pthread_rwlock_wrlock(&t->lock);
  int whole = 1;
  for (uint32_t i = 0; i < count && whole; i++) {
    size_t nlen = strlen(names[i]);
    char *path = malloc(dlen + nlen + 2);
    if (!path) {
      whole = 0;
      break;
    }
    size_t at = dlen == 1 ? 0 : dlen;
    memcpy(path, dir, at);
    path[at] = '/';
    memcpy(path + at + 1, names[i], nlen);
    name_entry_t *e = ensure(t, path, at + 1 + nlen);
    if (e) e->present = 1;
    else whole = 0;
    free(path);
  }
  name_entry_t *d = whole ? ensure(t, dir, dlen) : NULL;
  if (d) mark_complete(t, d);
  pthread_rwlock_unlock(&t->lock);
}

void names_added(names_t *t, const char *path) {
  size_t len = strlen(path);
  pthread_rwlock_wrlock(&t->lock);
  name_entry_t *e = ensure(t, path, len);
  if (e) e->present = 1;
  else forget(t, path, parent_len(path, len));
  pthread_rwlock_unlock(&t->lock);
}

void names_made_folder(names_t *t, const char *path) {
  size_t len = strlen(path);
  pthread_rwlock_wrlock(&t->lock);
  name_entry_t *e = ensure(t, path, len);
  if (e) {
    e->present = 1;
    /* Made empty just now: its names are all known (none), unless that cannot be noted. */
    forget(t, path, len);
    mark_complete(t, e);
  } else {
    forget(t, path, parent_len(path, len));
  }
  pthread_rwlock_unlock(&t->lock);
}

void names_removed(names_t *t, const char *path) {
  pthread_rwlock_wrlock(&t->lock);
  name_entry_t *e = find(t, path, strlen(path));
  if (e) {
    e->present = 0;
    if (!e->complete) drop(t, e);
  }
  pthread_rwlock_unlock(&t->lock);
}

void names_forget_below(names_t *t, const char *dir) {
  pthread_rwlock_wrlock(&t->lock);
  forget(t, dir, strlen(dir));
  pthread_rwlock_unlock(&t->lock);
}
