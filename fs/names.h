/* Interned names: a computed file's identity (its name and what the name
 * resolved to) as a small number that fits in an inode (inode.h's id field).
 * The same key always gets the same id for the life of the mount, so the
 * kernel's cached pages stay valid for as long as the content does. */
#ifndef BENCHFS_FS_NAMES_H
#define BENCHFS_FS_NAMES_H

#include <stdint.h>

struct names;

struct names *names_new(void);
void names_free(struct names *names);
/* The id of key (1 .. INODE_ID_MAX), adding it when new; -1 when out of
 * memory or ids. */
int64_t names_intern(struct names *names, const char *key);
/* The key of an id, or NULL when unknown. */
const char *names_key(const struct names *names, int64_t id);

#endif
