/* Being written. */
#include "paired.h"
typedef int stats_paired_placeholder;
