#include "tools/ptcheck/prove_command.h"

#include <cstdio>

#include "proofs/prove.h"

namespace ptc::cli {

namespace {
proofs::ProveTarget make_target(const ptc_target_ops* target, const std::string& path) {
  proofs::ProveTarget t;
  t.ops = target;
  if (!path.empty()) t.replay_args = "--target " + path;
  return t;
}
}  // namespace

int run_prove_command(const ProveOptions& o, const ptc_target_ops* target) {
  const std::vector<proofs::Obligation> all = proofs::all_obligations();
  const std::vector<const proofs::Obligation*> selected = proofs::select_obligations(all, o.only);
  if (selected.empty()) {
    std::fprintf(stderr, "ptcheck: --only '%s' names no obligation (try `ptcheck prove --only '*'` for the list)\n",
                 o.only.c_str());
    return 2;
  }
  return proofs::run_prove(make_target(target, o.target_path), selected, o.json, stdout);
}

int run_prove_for_check(const ptc_target_ops* target, const std::string& target_path) {
  const std::vector<proofs::Obligation> all = proofs::all_obligations();
  std::vector<const proofs::Obligation*> selected;
  // The cheap part of the recorded-sequence obligations: split at every bbml, the map race, and unmap (strict
  // and lazy), unmap_read_dirty and read_and_clear_dirty of a block (whole or cut). The 4K-page states (merge, unmap of pages) record
  // the target once per page and per injection and take longer; `ptcheck prove` runs them, as do the bit-level
  // proofs and the known-bad variants (which are about ptcheck's own code).
  for (const proofs::Obligation& ob : all) {
    const std::string& n = ob.name;
    const bool block_only = n.rfind("split.", 0) == 0 || n.rfind("race.", 0) == 0 || n.find(".block") != std::string::npos;
    if (block_only) selected.push_back(&ob);
  }
  return proofs::run_prove(make_target(target, target_path), selected, false, stdout);
}

}  // namespace ptc::cli
