// The built-in optimized target: LpaeTable<HwMem> behind the ptc_target_ops C ABI, named "lpae".
#pragma once
#include "ptcheck/target.h"

// The ops of the shipped LPAE table (static storage; never null).
const ptc_target_ops* ptc_lpae_ops();
