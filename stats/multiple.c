/* Being written. */
#include "multiple.h"
typedef int stats_multiple_placeholder;
