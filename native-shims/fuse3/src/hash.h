/* SHA-1 of a staged output on libuv's thread pool (hash.c). */
#ifndef FAIRFS_HASH_H
#define FAIRFS_HASH_H
#include <node_api.h>

napi_value js_sha1_file(napi_env env, napi_callback_info info);

#endif
