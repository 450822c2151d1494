/* Inode numbers are computed, not allocated: kind, run id and a content
 * version are packed into the 64 bits. A file whose content changes (status,
 * queue) gets a new inode number for every version, so each inode's content
 * is immutable and the kernel may cache it; a path lookup (entry timeout 0)
 * finds the current version. */
#ifndef BENCHFS_FS_INODE_H
#define BENCHFS_FS_INODE_H

#include <stdint.h>

enum node_kind {
	KIND_ROOT = 0, /* FUSE's root inode, number 1 */
	KIND_README = 1,
	KIND_QUEUE,
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
	/* Computed views: id is an interned key (names.h) naming the file and
	 * what its name resolved to; version is the store's views change number. */
	KIND_COMPARE_DIR,
	KIND_COMPARE,
	KIND_REGRESSIONS,
	KIND_HISTORY_DIR,
	KIND_HISTORY,
	KIND_BASELINES_DIR,
	KIND_BASELINE,    /* version 0: created by a shell, not pinned yet */
	KIND_ARTIFACT,    /* id: run, version: the interned file name */
	KIND_COUNT
};

#define INODE_ROOT 1
#define INODE_ID_MAX 0xffffffLL

uint64_t inode_make(enum node_kind kind, int64_t id, int64_t version);
enum node_kind inode_kind(uint64_t ino);
int64_t inode_id(uint64_t ino);
uint32_t inode_version(uint64_t ino);

#endif
