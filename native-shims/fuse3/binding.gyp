{
  "targets": [
    {
      "target_name": "fairfs_fuse3",
      "sources": ["src/fuse3_backend.c", "src/dispatch.c", "src/hash.c", "src/known.c", "src/names.c", "src/passthrough.c", "src/tree.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11", "<!@(pkg-config --cflags fuse3)"],
      "libraries": ["<!@(pkg-config --libs fuse3)", "-lpthread"]
    }
  ]
}
