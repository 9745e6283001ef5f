// What one obligation comes to: its verdict, how long it took, what it covers (the bound), and for a refutation
// a counterexample a kernel engineer can read (and, where it maps to one, a `.ops` script that reproduces it).
#pragma once
#include <string>

namespace ptc::proofs {

// kSkipped: the obligation does not apply to the target (it refused the configuration, or does not offer an
// operation the recording calls: NULL in ptc_target_ops). kVacuous: the target offers the operation, but in
// every recording it returned an error without changing anything, and the claim is about an operation that
// succeeds: there is no step of it to check the claim against (proofs/README.md, "Skipped and vacuous").
enum class Verdict { kProved, kRefuted, kUnknown, kSkipped, kVacuous };

const char* verdict_name(Verdict v);

struct Result {
  std::string name;       // e.g. "split.bbml1.no-tlb-conflict"
  std::string statement;  // one line: what is claimed
  Verdict verdict = Verdict::kUnknown;
  double seconds = 0;
  std::string bound;           // "unbounded (Spacer)", "bounded: ...", "all 2^64 inputs", ...
  std::string counterexample;  // a refutation's readable trace; empty otherwise
  std::string script;          // a refutation as a `.ops` script with @N lines, when it maps to one
  std::string note;            // why unknown, skipped or vacuous; extra facts (traces checked, groups)
  bool expect_refuted = false; // a known-bad variant: passes when refuted
  bool passed() const { return expect_refuted ? verdict == Verdict::kRefuted : verdict == Verdict::kProved; }
  // Skipped or vacuous: the claim says nothing about this target, so it neither passes nor fails. A known-bad
  // variant is never inapplicable: it must be refuted.
  bool inapplicable() const {
    return !expect_refuted && (verdict == Verdict::kSkipped || verdict == Verdict::kVacuous);
  }
  bool failed() const { return !passed() && !inapplicable(); }
};

}  // namespace ptc::proofs
