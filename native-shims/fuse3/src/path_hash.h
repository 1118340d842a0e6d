/* The hash both path tables use (known.c, names.c): FNV-1a over the path's bytes. */
#ifndef FAIRFS_PATH_HASH_H
#define FAIRFS_PATH_HASH_H
#include <stddef.h>
#include <stdint.h>

static inline uint64_t path_hash(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

#endif
