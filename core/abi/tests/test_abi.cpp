// The ABI from C++: the C11 translation unit above links, its ops pass the loader's checks, and the
// loader rejects what the contract rules out (a missing symbol, a wrong abi) with one line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/runner/target_loader.h"

extern "C" const ptc_target_ops* abi_c11_target(void);

TEST(Abi, CTranslationUnitProvidesACompleteOpsTable) {
  EXPECT_EQ(ptc::check_target_ops(abi_c11_target()), "");
}

TEST(Abi, CheckRejectsWrongAbiAndMissingOps) {
  ptc_target_ops ops = *abi_c11_target();
  ops.abi = 2;
  EXPECT_NE(ptc::check_target_ops(&ops).find("ABI is 2"), std::string::npos);
  ops = *abi_c11_target();
  ops.iova_to_phys = nullptr;
  EXPECT_NE(ptc::check_target_ops(&ops).find("iova_to_phys"), std::string::npos);
  ops = *abi_c11_target();
  ops.name = nullptr;
  EXPECT_NE(ptc::check_target_ops(&ops).find("name"), std::string::npos);
  EXPECT_NE(ptc::check_target_ops(nullptr), "");
}

// SPEC 6: flush, split, merge, read_and_clear_dirty and unmap_read_dirty may be NULL (not offered).
TEST(Abi, OptionalOperationsMayBeNull) {
  ptc_target_ops ops = *abi_c11_target();
  ops.flush = nullptr;
  ops.split = nullptr;
  ops.merge = nullptr;
  ops.read_and_clear_dirty = nullptr;
  ops.unmap_read_dirty = nullptr;
  EXPECT_EQ(ptc::check_target_ops(&ops), "");
}

TEST(Abi, LoaderNamesTheFileWhenItCannotLoad) {
  std::string error;
  EXPECT_EQ(ptc::load_target_library("/nonexistent/lib.so", &error), nullptr);
  EXPECT_EQ(error.find("/nonexistent/lib.so: cannot load target library"), 0u);
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(Abi, LoaderLoadsTheOptimizedTableModule) {
  const char* path = std::getenv("PTC_LPAE_MODULE");
  ASSERT_NE(path, nullptr);
  std::string error;
  const ptc_target_ops* ops = ptc::load_target_library(path, &error);
  ASSERT_NE(ops, nullptr) << error;
  EXPECT_EQ(ops->abi, unsigned(PTC_TARGET_ABI));
}

TEST(Abi, LoaderRejectsALibraryWithoutTheSymbol) {
  const char* path = std::getenv("PTC_NOSYMBOL_MODULE");
  ASSERT_NE(path, nullptr);
  std::string error;
  EXPECT_EQ(ptc::load_target_library(path, &error), nullptr);
  EXPECT_NE(error.find("no symbol `ptc_target`"), std::string::npos) << error;
}
