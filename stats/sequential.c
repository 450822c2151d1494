/* Being written. */
#include "sequential.h"
typedef int stats_sequential_placeholder;
