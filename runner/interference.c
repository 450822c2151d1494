/* Being written. */
#include "interference.h"
typedef int interference_placeholder;
