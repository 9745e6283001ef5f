// Every property suite as a GoogleTest test (Properties.<name>), run with RapidCheck's GoogleTest
// integration: RC_PARAMS sets the seed and the number of cases, and a failure prints the
// counterexample, the RC_PARAMS="reproduce=..." line that replays it, and the .ops reproducer.
// PTCHECK_TARGET=lib.so runs every suite against that target (default: the built-in optimized table).
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/lpae/lpae_target.h"
#include "core/runner/target_loader.h"
#include "properties/stateful/properties.h"

#ifndef PTCHECK_FAILURE_DIR
#define PTCHECK_FAILURE_DIR "property-failures"
#endif

namespace {

class PropertyTest : public testing::Test {
 public:
  PropertyTest(const ptc::props::Property& p, const ptc::props::PropertyContext& ctx) : p_(p), ctx_(ctx) {}
  void TestBody() override {
    if (const std::string why = ptc::props::why_not_applicable(p_, ctx_); !why.empty()) GTEST_SKIP() << why;
    const auto body = p_.body;
    const auto& ctx = ctx_;
    rc::detail::checkGTest([body, &ctx] { body(ctx); });
  }

 private:
  const ptc::props::Property& p_;
  const ptc::props::PropertyContext& ctx_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  static ptc::props::PropertyContext ctx;
  ctx.failure_dir = PTCHECK_FAILURE_DIR;
  const char* path = std::getenv("PTCHECK_TARGET");
  if (path && *path) {
    std::string error;
    ctx.target = ptc::load_target_library(path, &error);
    if (!ctx.target) {
      std::fprintf(stderr, "test_properties: PTCHECK_TARGET: %s\n", error.c_str());
      return 2;
    }
    ctx.target_path = path;
  } else {
    ctx.target = ptc_lpae_ops();
  }
  for (const ptc::props::Property& p : ptc::props::all_properties())
    testing::RegisterTest("Properties", p.name, nullptr, nullptr, __FILE__, __LINE__,
                          [&p]() -> testing::Test* { return new PropertyTest(p, ctx); });
  return RUN_ALL_TESTS();
}
