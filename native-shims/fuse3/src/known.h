/*
 * Entries the core handed over for the backend to answer by itself: lookups,
 * getattr, readdir and readlink of a tree that does not change under the
 * mount (the catalog). The core replaces or drops an entry when the registry
 * changes, and the kernel is told to forget what it cached of it.
 *
 * Every path the kernel has been told of keeps one inode number for the
 * mount's life (the low-level server hands them out); an entry the core
 * dropped stays as `gone`, so its number is never reused for another path.
 */
#ifndef FAIRFS_KNOWN_H
#define FAIRFS_KNOWN_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct known {
  char *path;
  uint64_t ino;
  /* st holds the core's answer (else the core is asked), and whether the entry is gone. */
  int has_stat, gone;
  struct stat st;
  /* A symbolic link's target, else NULL. */
  char *target;
  /* A directory's names in full, else NULL (its listing is asked for). */
  char **children;
  uint32_t nchildren;
  struct known *next;
} known_t;

typedef struct known_table {
  pthread_rwlock_t lock;
  known_t **buckets;
  size_t nbuckets, count;
  known_t **by_ino;
  uint64_t next_ino, ino_capacity;
} known_table_t;

/* The root "/" is inode 1 (FUSE_ROOT_ID). */
int known_init(known_table_t *t);
void known_free(known_table_t *t);
/* Takes ownership of target and children (NULL-able); an entry of the same path is updated in place. */
int known_put(known_table_t *t, const char *path, const struct stat *st, char *target, char **children, uint32_t nchildren);
void known_drop(known_table_t *t, const char *path);
/* The inode of path, made (without attributes) if new: for entries the core answers each time. 0: no memory. */
uint64_t known_ensure(known_table_t *t, const char *path);
/* Under known_read_lock only: the live entry with attributes at path, or NULL. */
const known_t *known_get(known_table_t *t, const char *path);
/* Under known_read_lock only: any entry by path or inode (gone ones too), or NULL. */
const known_t *known_find(known_table_t *t, const char *path);
const known_t *known_by_ino(known_table_t *t, uint64_t ino);
void known_read_lock(known_table_t *t);
void known_unlock(known_table_t *t);

#endif
