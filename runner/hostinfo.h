/* A description of the host a run is measured on, as JSON (system.json). */
#ifndef BENCHFS_RUNNER_HOSTINFO_H
#define BENCHFS_RUNNER_HOSTINFO_H

/* Returns a malloc'd, pretty-printed JSON object with: "hostname", "kernel"
 * (uname -srvm), "cpu_model", "cores" (online), "memory_bytes", "governor"
 * (string, or null when unreadable), "load_average" ([1, 5, 15] minutes),
 * "benchfs_version", "toolchain" ({"cc": the first line of the C compiler's
 * --version, $CC's or cc's; "libc": "glibc 2.36"; each null when unknown}).
 * NULL on allocation failure. The caller frees it. */
char *hostinfo_json(void);

#endif
