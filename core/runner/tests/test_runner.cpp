// Unit tests of the differential runner; filled below.
#include "core/runner/runner.h"

#include <gtest/gtest.h>

TEST(RunnerPlaceholder, ConfigSignature) {
  EXPECT_EQ(ptc::config_signature(ptc::Config{}), "ias48-4K2M1G-bbml1-hd-strict");
}
