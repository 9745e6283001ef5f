// What one obligation comes to: its verdict, how long it took, what it covers (the bound), and for a refutation
// a counterexample a kernel engineer can read (and, where it maps to one, a `.ops` script that reproduces it).
#pragma once
#include <string>

namespace ptc::proofs {

enum class Verdict { kProved, kRefuted, kUnknown, kSkipped };

const char* verdict_name(Verdict v);

struct Result {
  std::string name;       // e.g. "split.bbml1.no-tlb-conflict"
  std::string statement;  // one line: what is claimed
  Verdict verdict = Verdict::kUnknown;
  double seconds = 0;
  std::string bound;           // "unbounded (Spacer)", "bounded: ...", "all 2^64 inputs", ...
  std::string counterexample;  // a refutation's readable trace; empty otherwise
  std::string script;          // a refutation as a `.ops` script with @N lines, when it maps to one
  std::string note;            // why unknown or skipped; extra facts (traces checked, groups)
  bool expect_refuted = false; // a known-bad variant: passes when refuted
  bool passed() const { return expect_refuted ? verdict == Verdict::kRefuted : verdict == Verdict::kProved; }
};

}  // namespace ptc::proofs
