/* A shared library whose ptc_target() speaks another ABI version. */
#include <ptcheck/target.h>
static const struct ptc_target_ops ops = {.abi = PTC_TARGET_ABI + 1, .name = "future"};
const struct ptc_target_ops *ptc_target(void) { return &ops; }
