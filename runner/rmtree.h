/* rmtree moved to util/rmtree.h; this header only forwards there until
 * repo/checkout.c and the repo/ tests include util/rmtree.h themselves. */
#ifndef BENCHFS_RUNNER_RMTREE_H
#define BENCHFS_RUNNER_RMTREE_H

#include "util/rmtree.h"

#endif
