/* Inode numbers are computed, not allocated: kind, run id and a content
 * version are packed into the 64 bits. A file whose content changes (status)
 * gets a new inode number for every version, so each inode's content is
 * immutable and the kernel may cache it; a path lookup (entry timeout 0)
 * finds the current version.
 * Computed files and artifacts take the rest of their number from a hash of
 * their key (names.h), so nothing remembers a name the kernel has forgotten.
 * The writable files (queue, baselines) get a new number at every lookup:
 * a writer's O_TRUNC truncates what the kernel holds of that inode, so no
 * reader may share it (kind_queue.c, kind_baselines.c). */
#ifndef BENCHFS_FS_INODE_H
#define BENCHFS_FS_INODE_H

#include <stdint.h>

enum node_kind {
	KIND_ROOT = 0, /* FUSE's root inode, number 1 */
	KIND_README = 1,
	KIND_QUEUE,       /* bits: a serial number, one per lookup */
	KIND_RUNS,
	KIND_COMMITS,
	KIND_LATEST,      /* id: the run it points to */
	KIND_RUN_DIR,     /* id: run */
	KIND_CONFIG,      /* id: run */
	KIND_STATUS,      /* id: run, version: the run's change number */
	KIND_LOG,         /* id: run; one inode that grows */
	KIND_SYSTEM,      /* id: run, version: attempt */
	KIND_RESULT,      /* id: run */
	KIND_COMMIT_LINK, /* id: the run it points to */
	/* Computed views: bits are a hash of the key naming the file and what
	 * its name resolved to, with the store's views change number. */
	KIND_COMPARE_DIR,
	KIND_COMPARE,
	KIND_REGRESSIONS,
	KIND_HISTORY_DIR,
	KIND_HISTORY,
	KIND_BASELINES_DIR,
	KIND_BASELINE,    /* bits: a serial number, one per lookup or create */
	KIND_ARTIFACT,    /* id: run, version: a hash of the file name */
	KIND_SUMMARY,     /* id: run */
	KIND_SLO,         /* a computed view, like KIND_REGRESSIONS */
	KIND_EXPORT_DIR,  /* a computed directory, like KIND_COMPARE_DIR */
	KIND_EXPORT,      /* a computed view, like KIND_COMPARE */
	KIND_IMPORT_DIR,  /* lists nothing; a file created in it is imported */
	KIND_IMPORT,      /* bits: a serial number, one per create */
	KIND_ALERTS_DIR,  /* lists the alert ids; each is looked up */
	KIND_ALERT,       /* bits: a serial number, one per lookup */
	KIND_BASELINE_HISTORY_DIR, /* baselines/.history: lists the names ever pinned */
	KIND_BASELINE_HISTORY,     /* a computed view, like KIND_COMPARE */
	KIND_WATCH,       /* bits: a serial number, one per lookup */
	KIND_BISECT_DIR,  /* lists the bisections' ids; each is looked up */
	KIND_BISECT,      /* bits: a serial number, one per lookup */
	KIND_AUDIT_DIR,   /* a computed directory, like KIND_COMPARE_DIR */
	KIND_AUDIT,       /* a computed view, like KIND_COMPARE */
	KIND_RETENTION,   /* bits: a serial number, one per lookup */
	KIND_FLAME,       /* a computed view, like KIND_COMPARE: runs/<id>/flame.svg, compare/<a>..<b>.flame.svg */
	KIND_RUN_TREE,    /* id: run, version: a hash of the path (profiles/, artifacts/) */
	KIND_DASHBOARD,   /* index.html: a computed view, like KIND_REGRESSIONS */
	KIND_COMPARE_VARIANTS_DIR, /* compare/<rev>/: bits: a hash of its key; its files are KIND_COMPARE */
	KIND_RUNNERS,     /* bits: a serial number, one per lookup */
	KIND_COUNT
};

#define INODE_ROOT 1
#define INODE_ID_MAX 0xffffffLL
#define INODE_BITS_MASK 0x00ffffffffffffffULL /* all but the kind */
#define INODE_VERSION_MASK 0xffffffffULL

uint64_t inode_make(enum node_kind kind, int64_t id, int64_t version);
/* kind with 56 bits of its own (a hash or a serial number). */
uint64_t inode_make_bits(enum node_kind kind, uint64_t bits);
/* The next number after ino that differs only in the bits of mask (probing
 * past a hash collision). */
uint64_t inode_next(uint64_t ino, uint64_t mask);
enum node_kind inode_kind(uint64_t ino);
int64_t inode_id(uint64_t ino);
uint32_t inode_version(uint64_t ino);

#endif
