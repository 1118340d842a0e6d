#include "passthrough.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel protocol's own layouts (7.40), which libfuse 3.14's headers do not have. */
struct in_header {
  uint32_t len, opcode;
  uint64_t unique, nodeid;
  uint32_t uid, gid, pid;
  uint16_t total_extlen, padding;
};
struct out_header {
  uint32_t len;
  int32_t error;
  uint64_t unique;
};
struct init_in {
  uint32_t major, minor, max_readahead, flags, flags2;
};
struct init_out {
  uint32_t major, minor, max_readahead, flags;
  uint16_t max_background, congestion_threshold;
  uint32_t max_write, time_gran;
  uint16_t max_pages, map_alignment;
  uint32_t flags2, max_stack_depth;
  uint32_t unused[6];
};
struct open_out {
  uint64_t fh;
  uint32_t open_flags;
  int32_t backing_id;
};
struct backing_map {
  int32_t fd;
  uint32_t flags;
  uint64_t padding;
};

enum { OPCODE_OPEN = 14, OPCODE_INIT = 26, OPCODE_CREATE = 35 };
#define INIT_EXT (1u << 30)
#define INIT_WRITEBACK_CACHE (1u << 16)
#define FLAG2_PASSTHROUGH (1u << (37 - 32))
#define OPEN_FLAG_DIRECT_IO (1u << 0)
#define OPEN_FLAG_KEEP_CACHE (1u << 1)
#define OPEN_FLAG_PASSTHROUGH (1u << 7)
#define DEV_IOC_BACKING_OPEN _IOW(229, 1, struct backing_map)
#define DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/*
 * libfuse's worker threads read a request, serve it and write its reply on
 * the same thread: what the request was and the backing id its handler made
 * travel in thread-locals from read to writev.
 */
static __thread uint64_t serving_unique;
static __thread uint32_t serving_opcode;
static __thread int kernel_offers;
static __thread int32_t reply_backing_id;

static ssize_t hook_read(int fd, void *buf, size_t len, void *userdata) {
  (void)userdata;
  ssize_t n = read(fd, buf, len);
  if (n >= (ssize_t)sizeof(struct in_header)) {
    const struct in_header *in = buf;
    serving_unique = in->unique;
    serving_opcode = in->opcode;
    reply_backing_id = 0;
    if (in->opcode == OPCODE_INIT && (size_t)n >= sizeof *in + sizeof(struct init_in)) {
      const struct init_in *init = (const void *)(in + 1);
      kernel_offers = (init->flags & INIT_EXT) && (init->flags2 & FLAG2_PASSTHROUGH);
    }
  }
  return n;
}

static ssize_t hook_writev(int fd, struct iovec *iov, int count, void *userdata) {
  (void)userdata;
  const struct out_header *out = iov[0].iov_base;
  if (count >= 2 && iov[0].iov_len >= sizeof *out && out->unique == serving_unique && out->error == 0) {
    struct init_out *init = iov[1].iov_base;
    /* The kernel takes passthrough only without the write-back cache (passthrough_offered() let init drop it). */
    if (serving_opcode == OPCODE_INIT && kernel_offers && iov[1].iov_len >= offsetof(struct init_out, unused) &&
        !(init->flags & INIT_WRITEBACK_CACHE)) {
      /* Backing files on a plain filesystem: one level of stacking. */
      init->flags |= INIT_EXT;
      init->flags2 |= FLAG2_PASSTHROUGH;
      init->max_stack_depth = 1;
    } else if ((serving_opcode == OPCODE_OPEN || serving_opcode == OPCODE_CREATE) && reply_backing_id > 0 &&
               iov[count - 1].iov_len >= sizeof(struct open_out)) {
      /* open: the open_out alone; create: entry_out then open_out, in one buffer. */
      struct open_out *o = (void *)((char *)iov[count - 1].iov_base + iov[count - 1].iov_len - sizeof *o);
      o->open_flags = (o->open_flags & ~(OPEN_FLAG_DIRECT_IO | OPEN_FLAG_KEEP_CACHE)) | OPEN_FLAG_PASSTHROUGH;
      o->backing_id = reply_backing_id;
    }
  }
  if (serving_opcode == OPCODE_OPEN || serving_opcode == OPCODE_CREATE) reply_backing_id = 0;
  return writev(fd, iov, count);
}

int passthrough_offered(void) { return serving_opcode == OPCODE_INIT && kernel_offers; }

static const struct fuse_custom_io hooks = {.read = hook_read, .writev = hook_writev};

int passthrough_attach(struct fuse_session *se) {
  return fuse_session_custom_io(se, &hooks, fuse_session_fd(se)) == 0 ? 0 : -1;
}

int passthrough_open(struct fuse_session *se, int fd) {
  if (serving_opcode != OPCODE_OPEN && serving_opcode != OPCODE_CREATE) return -1;
  struct backing_map map = {.fd = fd, .flags = 0, .padding = 0};
  int id = ioctl(fuse_session_fd(se), DEV_IOC_BACKING_OPEN, &map);
  if (id <= 0) return -1;
  reply_backing_id = id;
  return id;
}

/* The kernel sets the file up from the id after the reply, in the opener's context: the id lives until release. */
void passthrough_close(struct fuse_session *se, int backing_id) {
  if (backing_id > 0) ioctl(fuse_session_fd(se), DEV_IOC_BACKING_CLOSE, &backing_id);
}
