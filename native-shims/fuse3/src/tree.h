/*
 * The low-level server for immutable trees (the catalog): one inode per path
 * from the known-entry table, lookups, attributes, listings and links answered
 * natively, no opendir (so the kernel caches listings), invalidation by inode
 * and by entry when the tree changes.
 */
#ifndef FAIRFS_TREE_H
#define FAIRFS_TREE_H
#include "backend.h"

struct fuse_session *tree_session_new(struct fuse_args *args, mount_t *m);
/* Tell the kernel to forget what it cached of path (its entry in its parent and its inode). */
void tree_invalidate(mount_t *m, const char *path);

#endif
