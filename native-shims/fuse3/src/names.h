/*
 * Which names a session's folders hold, so that a lookup of a name that does
 * not exist (the first step of every create) is answered without asking
 * JavaScript.
 *
 * A folder is complete once its whole listing is known: JavaScript listed it
 * (at mount, or answering a readdir), or it was made empty by mkdir through
 * the mount. After that every create, mkdir, link, symlink, mknod, unlink,
 * rmdir and rename that succeeds through the mount updates it before the
 * kernel gets its answer. The kernel takes a folder's lock for those changes
 * and shares it for its lookups and readdirs, so no lookup can fall between a
 * change and its update here. A folder that moves, or is gone, is forgotten
 * with everything below it: its names go back to being asked for. A name
 * recorded as present where it no longer is only sends its lookup to
 * JavaScript; a name missing from a complete folder would be a wrong answer,
 * so whatever cannot be recorded makes its folder incomplete instead.
 */
#ifndef FAIRFS_NAMES_H
#define FAIRFS_NAMES_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct name_entry name_entry_t;

typedef struct names {
  pthread_rwlock_t lock;
  name_entry_t **buckets;
  size_t nbuckets, count;
  /* The complete folders, the only entries a folder that moves must clear. */
  name_entry_t **complete;
  size_t ncomplete, complete_cap;
} names_t;

int names_init(names_t *t);
void names_free(names_t *t);
/* Whether path provably does not exist: its folder is complete and does not hold it. */
int names_absent(names_t *t, const char *path);
/* dir's whole listing: dir is complete and holds these names (as well as any it already held). */
void names_listed(names_t *t, const char *dir, char *const *names, uint32_t count);
void names_added(names_t *t, const char *path);
/* A folder made empty through the mount: it exists, and its names are all known (none). */
void names_made_folder(names_t *t, const char *path);
void names_removed(names_t *t, const char *path);
/* dir and everything below it are no longer known (it moved, or is gone). */
void names_forget_below(names_t *t, const char *dir);

#endif
