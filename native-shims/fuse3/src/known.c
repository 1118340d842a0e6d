#include "known.h"
#include "path_hash.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s) { return path_hash(s, strlen(s)); }

static void free_contents(known_t *k) {
  for (uint32_t i = 0; i < k->nchildren; i++) free(k->children[i]);
  free(k->children);
  free(k->target);
  k->children = NULL;
  k->nchildren = 0;
  k->target = NULL;
}

static void free_list(char *target, char **children, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) free(children[i]);
  free(children);
  free(target);
}

void known_free(known_table_t *t) {
  for (size_t b = 0; b < t->nbuckets; b++) {
    for (known_t *k = t->buckets[b], *next; k; k = next) {
      next = k->next;
      free_contents(k);
      free(k->path);
      free(k);
    }
  }
  free(t->buckets);
  free(t->by_ino);
  t->buckets = NULL;
  t->by_ino = NULL;
  t->nbuckets = t->count = 0;
  pthread_rwlock_destroy(&t->lock);
}

/* Under the write lock: double the buckets when the chains grow past one entry on average. */
static int grow(known_table_t *t) {
  if (t->count < t->nbuckets) return 0;
  size_t n = t->nbuckets ? t->nbuckets * 2 : 1024;
  known_t **buckets = calloc(n, sizeof *buckets);
  if (!buckets) return -1;
  for (size_t b = 0; b < t->nbuckets; b++) {
    for (known_t *k = t->buckets[b], *next; k; k = next) {
      next = k->next;
      size_t at = hash(k->path) & (n - 1);
      k->next = buckets[at];
      buckets[at] = k;
    }
  }
  free(t->buckets);
  t->buckets = buckets;
  t->nbuckets = n;
  return 0;
}

static known_t *find_locked(known_table_t *t, const char *path) {
  if (!t->nbuckets) return NULL;
  for (known_t *k = t->buckets[hash(path) & (t->nbuckets - 1)]; k; k = k->next) {
    if (strcmp(k->path, path) == 0) return k;
  }
  return NULL;
}

/* Under the write lock: the entry at path, made with the next inode (the root's is 1) if new. */
static known_t *ensure_locked(known_table_t *t, const char *path) {
  known_t *k = find_locked(t, path);
  if (k) return k;
  if (grow(t) != 0) return NULL;
  uint64_t ino = strcmp(path, "/") == 0 ? 1 : t->next_ino;
  if (ino >= t->ino_capacity) {
    uint64_t cap = t->ino_capacity ? t->ino_capacity * 2 : 1024;
    known_t **by_ino = realloc(t->by_ino, cap * sizeof *by_ino);
    if (!by_ino) return NULL;
    memset(by_ino + t->ino_capacity, 0, (cap - t->ino_capacity) * sizeof *by_ino);
    t->by_ino = by_ino;
    t->ino_capacity = cap;
  }
  k = calloc(1, sizeof *k);
  if (!k || !(k->path = strdup(path))) {
    free(k);
    return NULL;
  }
  k->ino = ino;
  if (ino != 1) t->next_ino++;
  t->by_ino[ino] = k;
  size_t at = hash(path) & (t->nbuckets - 1);
  k->next = t->buckets[at];
  t->buckets[at] = k;
  t->count++;
  return k;
}

int known_init(known_table_t *t) {
  memset(t, 0, sizeof *t);
  pthread_rwlock_init(&t->lock, NULL);
  t->next_ino = 2;
  return ensure_locked(t, "/") ? 0 : -1;
}

int known_put(known_table_t *t, const char *path, const struct stat *st, char *target, char **children, uint32_t nchildren) {
  pthread_rwlock_wrlock(&t->lock);
  known_t *k = ensure_locked(t, path);
  if (k) {
    free_contents(k);
    k->st = *st;
    k->st.st_ino = k->ino;
    k->has_stat = 1;
    k->gone = 0;
    k->target = target;
    k->children = children;
    k->nchildren = nchildren;
  }
  pthread_rwlock_unlock(&t->lock);
  if (!k) free_list(target, children, nchildren);
  return k ? 0 : -1;
}

void known_drop(known_table_t *t, const char *path) {
  pthread_rwlock_wrlock(&t->lock);
  known_t *k = find_locked(t, path);
  if (k) {
    free_contents(k);
    k->has_stat = 0;
    k->gone = 1;
  }
  pthread_rwlock_unlock(&t->lock);
}

uint64_t known_ensure(known_table_t *t, const char *path) {
  pthread_rwlock_wrlock(&t->lock);
  known_t *k = ensure_locked(t, path);
  if (k) k->gone = 0;
  uint64_t ino = k ? k->ino : 0;
  pthread_rwlock_unlock(&t->lock);
  return ino;
}

const known_t *known_get(known_table_t *t, const char *path) {
  const known_t *k = find_locked(t, path);
  return k && k->has_stat && !k->gone ? k : NULL;
}

const known_t *known_find(known_table_t *t, const char *path) { return find_locked(t, path); }

const known_t *known_by_ino(known_table_t *t, uint64_t ino) { return ino < t->ino_capacity ? t->by_ino[ino] : NULL; }

void known_read_lock(known_table_t *t) { pthread_rwlock_rdlock(&t->lock); }
void known_unlock(known_table_t *t) { pthread_rwlock_unlock(&t->lock); }
