// The op table (core/ops/op_table.h) and its consumers: every kind has its row, and every consumer in
// core/ handles every kind (the keyword, the parser and printer, the fuzzer's decoder, the reference
// model, the target call, the runner). A kind added to OpKind fails to compile until is_listed_kind()
// lists it (-Werror=switch), and then fails here until each consumer knows it.
#include "core/ops/op_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "core/encoding/fuzz_input.h"
#include "core/lpae/lpae_target.h"
#include "core/ops/target_call.h"
#include "core/reference/reference_model.h"
#include "core/runner/runner.h"
#include "core/script/script.h"

namespace ptc {
namespace {

std::vector<OpKind> listed_kinds() {
  std::vector<OpKind> out;
  for (unsigned id = 0; id < 256; ++id)
    if (is_listed_kind(OpKind(id))) out.push_back(OpKind(id));
  return out;
}

// One statement of kind k, with arguments of its shape.
Op sample(OpKind k) {
  Op op;
  op.kind = k;
  switch (traits(k).shape) {
    case ArgShape::None: break;
    case ArgShape::Address: op.iova = 0x40001000; break;
    case ArgShape::Range:
    case ArgShape::DirtyRange:
      op.iova = 0x40000000;
      op.size = kSize2M;
      break;
    case ArgShape::MapArgs:
      op.iova = 0x40000000;
      op.paddr = 0x80000000;
      op.size = kSize2M;
      op.prot = PTC_PROT_READ | PTC_PROT_WRITE;
      break;
    case ArgShape::DeviceAction:
      op.dev = DevKind::Write;
      op.iova = 0x40001000;
      break;
    case ArgShape::AllocIndex: op.fail_index = 2; break;
  }
  return op;
}

TEST(OpTable, EveryKindHasOneRowAndItsKeyword) {
  const std::vector<OpKind> kinds = listed_kinds();
  EXPECT_EQ(kinds.size(), kOpTable.size());
  for (OpKind k : kinds) {
    SCOPED_TRACE(int(k));
    EXPECT_EQ(traits(k).kind, k);
    EXPECT_EQ(kind_of_id(uint8_t(k)), k);
    const char* word = op_name(k);
    ASSERT_NE(word, nullptr);
    EXPECT_EQ(kind_of_keyword(word, std::strlen(word)), k);
  }
  for (unsigned id = 0; id < 256; ++id)
    if (!is_listed_kind(OpKind(id))) EXPECT_FALSE(kind_of_id(uint8_t(id))) << id;
}

TEST(OpTable, TheParserAndPrinterKnowEveryKind) {
  for (OpKind k : listed_kinds()) {
    const Op op = sample(k);
    const std::string text = "map 0x40000000 0x80000000 2M rw\n" + print_statement(op) + "\n";
    auto parsed = parse_script(text, "kinds.ops");
    ASSERT_TRUE(std::holds_alternative<Script>(parsed)) << text << std::get<ParseError>(parsed).str();
    const Script& s = std::get<Script>(parsed);
    ASSERT_EQ(s.ops.size(), 2u) << text;
    Op back = s.ops[1];
    back.line = 0;
    EXPECT_EQ(back, op) << text;
  }
}

TEST(OpTable, TheFuzzerEncodingReachesEveryKind) {
  for (OpKind k : listed_kinds()) {
    bool reached = false;
    // The version, the config, then the op id with arguments of a few byte patterns.
    for (uint8_t fill : {0x00, 0x01, 0x10, 0x41}) {
      std::vector<uint8_t> in = {kFuzzEncodingVersion, 0, 0, uint8_t(k)};
      in.resize(64, fill);
      const Script s = decode_fuzz_input(in.data(), in.size());
      reached |= !s.ops.empty() && s.ops[0].kind == k;
    }
    EXPECT_TRUE(reached) << op_name(k);
  }
}

TEST(OpTable, TheModelTheTargetAndTheRunnerTakeEveryKind) {
  for (OpKind k : listed_kinds()) {
    SCOPED_TRACE(op_name(k));
    ReferenceModel m{Config{}};
    ASSERT_EQ(m.map(0x40000000, 0x80000000, kSize2M, PTC_PROT_READ | PTC_PROT_WRITE), 0);
    std::vector<RefRecord> records;
    const int64_t r = m.apply(sample(k), &records);
    if (is_target_op(k) && k != OpKind::Map && k != OpKind::Phys) EXPECT_GE(r, 0);
    EXPECT_TRUE(target_offers(ptc_lpae_ops(), k));
    Script s;
    s.config = Config{};
    Op map = sample(OpKind::Map);
    s.ops = {map, sample(k)};
    const RunResult run = run_script(s, ptc_lpae_ops());
    EXPECT_TRUE(run.ok()) << run.failure->trace;
    EXPECT_TRUE(run.skipped_statements.empty());
  }
}

TEST(OpTable, SpansOverlapAsTheCallerContractSays) {
  Op a = sample(OpKind::Unmap), b = sample(OpKind::Phys), f = sample(OpKind::Flush), d = sample(OpKind::Dev);
  EXPECT_TRUE(op_span(a).overlaps(op_span(b)));  // phys inside the range
  b.iova = 0x40200000;                           // the first page past it
  EXPECT_FALSE(op_span(a).overlaps(op_span(b)));
  EXPECT_TRUE(op_span(f).overlaps(op_span(a)));  // flush spans every address...
  EXPECT_FALSE(injection_breaks_contract(a, f));  // ...but may run beside anything
  EXPECT_FALSE(injection_breaks_contract(a, d));  // device actions are not the caller's
  Op top = sample(OpKind::Unmap);
  top.iova = ~0ull & ~(kSize4K - 1);
  top.size = kSize4K;  // ends at 2^64
  EXPECT_TRUE(op_span(top).contains(~0ull));
}

}  // namespace
}  // namespace ptc
