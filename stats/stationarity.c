/* Being written. */
#include "stationarity.h"
typedef int stats_stationarity_placeholder;
