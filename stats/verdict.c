/* Being written. */
#include "verdict.h"
typedef int stats_verdict_placeholder;
