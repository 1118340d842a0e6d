/*
 * FUSE passthrough (kernel 6.9+) under libfuse 3.14, which predates it: the
 * backend puts itself between libfuse and /dev/fuse (fuse_session_custom_io),
 * asks for passthrough in the INIT reply, registers an open file's backing
 * file with the kernel (FUSE_DEV_IOC_BACKING_OPEN) and marks the open reply
 * FOPEN_PASSTHROUGH with its backing id. Reads, writes and mmap of that file
 * then go from the kernel straight to the backing file, never to this process.
 * Where the kernel does not offer it, nothing changes.
 */
#ifndef FAIRFS_PASSTHROUGH_H
#define FAIRFS_PASSTHROUGH_H
#include "backend.h"

/* After mounting: route the session's /dev/fuse traffic through the hooks. 0, or -1. */
int passthrough_attach(struct fuse_session *se);
/* In an init handler: the kernel offers passthrough (so the write-back cache, which excludes it, is not wanted). */
int passthrough_offered(void);
/* In an open or create handler: the reply being built passes the file through to fd; its backing id, or -1. */
int passthrough_open(struct fuse_session *se, int fd);
/* At release of a passed-through handle. */
void passthrough_close(struct fuse_session *se, int backing_id);

#endif
