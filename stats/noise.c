/* Being written. */
#include "noise.h"
typedef int stats_noise_placeholder;
