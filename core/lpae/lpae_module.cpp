// The shipped LPAE table as a loadable target (`ptcheck run --target libptc_lpae_target.so`).
#include "core/lpae/lpae_target.h"

extern "C" __attribute__((visibility("default"))) const ptc_target_ops* ptc_target(void) { return ptc_lpae_ops(); }
