/* The retention file: the pruning policy ("retain", config/retain.h), what
 * the last pass kept (by rule) and freed, and when the next pass is due. */
#ifndef BENCHFS_VIEWS_RETENTION_FILE_H
#define BENCHFS_VIEWS_RETENTION_FILE_H

#include <stdint.h>

#include "config/retain.h"
#include "store/store.h"

/* Render it into *text (malloc'd) for policy (NULL: none configured),
 * reading the last pass's report from store. 0, or a negative errno. */
int retention_file_render(char **text, struct store *store, const struct retain_config *policy);

#endif
