// The counterexample as a page you can look at (`ptcheck run/explain/prove --html OUT.html`): one
// self-contained HTML file (inline CSS and SVG, no script, no external asset) with the failing run's
// events as a timeline in lanes (CPU descriptor accesses, device actions, TLB maintenance), the IOTLB,
// walk cache and descriptor values after each step (on hover, and as a panel for the failing step),
// the failing step highlighted with its oracle and signature, and the `.ops` script beside it with
// the line of each step. Rendered from the runner's structured timeline (core/smmu/timeline.h).
#pragma once
#include <string>

#include "core/runner/runner.h"

namespace ptc::cli {

struct HtmlTimelineInput {
  std::string script_path;  // the script's name as the page shows it
  std::string script_text;  // its text; the timeline's line numbers are lines of this text
  std::string target;       // the target's name
  const Failure* failure = nullptr;  // with its timeline (RunOptions::record_timeline)
  // Optional extra panel, e.g. the prover's verdict and its own counterexample.
  std::string extra_title, extra_text;
};

// The whole page.
std::string render_html_timeline(const HtmlTimelineInput& in);

// A page for a failure that has no runnable script (a prover refutation of a hand-written sequence or
// of bit-level arithmetic): the header and the extra panel only.
std::string render_html_text_only(const std::string& title, const std::string& signature, const std::string& text);

// Writes a page whole (report_file.h); false with "cannot write PATH: why" in *error.
bool write_html_file(const std::string& path, const std::string& html, std::string* error);

}  // namespace ptc::cli
