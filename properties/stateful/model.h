// The RapidCheck model of a stateful run: the config and the reference model's leaves as they stand
// after the statements generated so far. Generators and preconditions read it; the postcondition of
// every command is the differential runner's own check (Session::step), so this model only has to
// be close, not exact: a device write that raced an op, or a map that `fail alloc` made fail, leaves
// it slightly off, which changes what gets generated next and nothing else.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/ops.h"
#include "core/reference/reference_model.h"
#include "ptcheck/target.h"

namespace ptc::props {

// Bounds that keep one generated case cheap under ASan (a 1G split makes 262144 pages).
struct CaseLimits {
  uint64_t max_new_leaves = 6000;      // leaves that maps and splits of one case may create
  uint64_t max_bitmap_bytes = 8192;    // the caller's bitmap of one dirty op (coarser bitmap pages above)
  // Statements before an aimed race (RaceCommand): its dry run replays them all, and so does every
  // regeneration of it while a case shrinks.
  size_t max_statements_before_race = 24;
  // 2M regions one merge may span: the reference model looks at each one (a merge of a 48-bit IAS
  // is 2^27 of them, seconds under ASan, and the model is applied many times per case).
  uint64_t max_merge_regions = uint64_t(1) << 18;
};

// The statements generated so far, newest first: a persistent list, so that copying the model (as
// RapidCheck does for every command) shares it.
struct StatementList {
  Op op;
  std::shared_ptr<const StatementList> before;
};

struct Model {
  // `target`, when given, is the system under test: aimed injections dry-run it (aimed_injections.h).
  explicit Model(const Config& c, const ptc_target_ops* target = nullptr);

  Config cfg;
  const ptc_target_ops* target = nullptr;
  std::shared_ptr<const StatementList> statements;  // what the Session has run, newest first
  size_t statement_count = 0;
  // Shared and replaced on change: RapidCheck copies the model for every command it generates.
  std::shared_ptr<const ReferenceModel> ref;
  uint64_t new_leaves = 0;          // leaves created so far (against CaseLimits::max_new_leaves)
  std::vector<uint64_t> recent;     // iovas of recent statements: overlaps and neighbours come up often
  CaseLimits limits;

  uint64_t top() const { return 1ull << cfg.ias; }
  // Leaves a map or split (and the ops injected into it) would create.
  uint64_t leaf_cost(const Op& op) const;
  // 2M regions the merges of op (and of the ops injected into it) span.
  uint64_t merge_regions(const Op& op) const;
  bool affordable(const Op& op) const {
    return new_leaves + leaf_cost(op) <= limits.max_new_leaves && merge_regions(op) <= limits.max_merge_regions;
  }
  // Whether the caller would issue op (and the ops injected into it) now: the target offers it (SPEC
  // 6) and the contract profile's caller would (SPEC 9, the reference model says). Generated commands
  // hold to it, so every op a property sends the target is one its callers may send.
  bool issues(const Op& op) const;
  // The statement ran: its effect (and its injected ops') on the leaves, the budget and `recent`.
  void apply(const Op& op);
  // A statement that changes no leaf (`fail alloc N`) ran.
  void record(const Op& op);
  // The statements so far, oldest first.
  std::vector<Op> script() const;
};

}  // namespace ptc::props
