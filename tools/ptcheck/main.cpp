// ptcheck: the command line (SPEC.md section 8).
//   ptcheck run SCRIPT.ops... [--target LIB.so] [--expect-violation ORACLE]
//   ptcheck replay DIR... [--target LIB.so]
//   ptcheck check [--target LIB.so] [--corpora DIR]
//   ptcheck prove [--json] [--target LIB.so] [--only NAME]
// Exit status: 0 the oracles hold, 1 a bug was found, 2 bad input (one line: FILE:LINE: what is wrong).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "core/encoding/fuzz_input.h"
#include "core/lpae/lpae_target.h"
#include "core/oracles.h"
#include "core/runner/minimize.h"
#include "core/runner/runner.h"
#include "tools/ptcheck/fuzz_command.h"
#include "tools/ptcheck/properties_command.h"
#include "tools/ptcheck/prove_command.h"
#if PTCHECK_HAVE_STRESS
#include "tools/ptcheck/stress_command.h"
#endif
#include "core/runner/target_loader.h"
#include "core/script/script.h"

#ifndef PTCHECK_SOURCE_DIR
#define PTCHECK_SOURCE_DIR "."
#endif
#ifndef PTCHECK_BINARY_DIR
#define PTCHECK_BINARY_DIR "."
#endif

namespace fs = std::filesystem;

namespace {

constexpr int kHolds = 0, kBug = 1, kBadInput = 2;

const char kUsage[] =
    "usage: ptcheck COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run SCRIPT.ops... [--target LIB.so] [--expect-violation ORACLE]\n"
    "        run each script against the reference model and the target (default: the built-in\n"
    "        optimized LPAE table); print the first violated oracle as a readable trace.\n"
    "        --expect-violation: exit 0 only if every script fails with that oracle (regression\n"
    "        tests of known-broken targets).\n"
    "  replay DIR... [--target LIB.so]\n"
    "        every .ops script and fuzz_ops input under the folders, as regression tests; one line each.\n"
    "  explain INPUT [--minimize] [--target LIB.so]\n"
    "        a fuzz_ops input (crash, corpus entry) as the .ops script it decodes to; --minimize\n"
    "        removes statements and injections while the same oracle still fails.\n"
    "  fuzz [FUZZER] [--time S] [--jobs N] [--seed N] [--target LIB.so] [--fuzzers DIR] [--corpora DIR]\n"
    "        a libFuzzer campaign (fuzz_ops, fuzz_bitmap or fuzz_script; default fuzz_ops) with\n"
    "        progress lines and a summary; fuzz_ops crashes become minimized reproducers under\n"
    "        corpora/regressions/ (or DIR/regressions). Needs the fuzz preset (cmake --preset fuzz && cmake --build --preset fuzz).\n"
    "  check [--target LIB.so] [--corpora DIR] [--time S] [--fuzzers DIR] [--cases N]\n"
    "        the gate before merging: replays corpora/scenarios, corpora/regressions and the\n"
    "        fuzz_ops corpus, runs the RapidCheck property suites for N cases each (default 100;\n"
    "        0: none), proves the cheap Z3 obligations, then fuzzes each fuzzer for S seconds\n"
    "        (default 10; 0: no fuzzing) when the fuzz preset is built, then a 3-second `stress` run.\n"
    "  properties [--cases N] [--seed N] [--target LIB.so]\n"
    "        the RapidCheck property suites alone (stateful sequences, invariants), N cases each\n"
    "        (default 100) from seed N (default 1); a failure is shrunk and written as an .ops script.\n"
    "  prove [--json] [--target LIB.so] [--only NAME]\n"
    "        the Z3 obligations: bit-level equivalence of the table's arithmetic, BBML split/merge and\n"
    "        strict/lazy TLB ordering on the target's recorded step sequences, known-bad variants;\n"
    "        each proved or refuted with a counterexample timeline. --only: a name or a prefix (split.*).\n"
    "  stress [--threads N] [--time S] [--target LIB.so] [--seed N] [--ops N] [--out DIR]\n"
    "        the concurrent checker for S seconds (default 10): real-thread histories (N CPU threads,\n"
    "        default 3, N ops each, default 16, and 2 device threads) checked for linearizability and\n"
    "        the dirty accounting, and deterministic schedules run through the differential runner\n"
    "        (failing ones written as .ops under DIR). Progress lines and a summary.\n"
    "  help  this text\n"
    "\n"
    "oracles: divergence device-outcome lost-dirty phantom-dirty stale-translation\n"
    "         table-use-after-free tlb-conflict fault-during-split-merge leak\n"
    "exit status: 0 the oracles hold, 1 a bug was found, 2 bad input\n";

struct Args {
  std::string command;
  std::vector<std::string> inputs;
  std::string target_path;
  std::string corpora;
  std::string expect_violation;
  bool minimize = false;
  bool json = false;
  std::string only;
  std::string time, jobs, seed, fuzzer_dir, cases;
};

int bad(const std::string& line) {
  std::fprintf(stderr, "ptcheck: %s\n", line.c_str());
  return kBadInput;
}

// Returns kHolds when the arguments are usable, else prints one line and returns kBadInput.
int parse_args(int argc, char** argv, Args* a) {
  if (argc < 2) return bad("no command (try `ptcheck help`)");
  a->command = argv[1];
  // Options that take a value: `--flag VALUE` or `--flag=VALUE`.
  const struct {
    const char* flag;
    std::string Args::*field;
    const char* what;
  } valued[] = {{"--target", &Args::target_path, "a library path"},
                {"--corpora", &Args::corpora, "a folder"},
                {"--expect-violation", &Args::expect_violation, "an oracle name"},
                {"--time", &Args::time, "seconds"},
                {"--jobs", &Args::jobs, "a count"},
                {"--seed", &Args::seed, "a number"},
                {"--fuzzers", &Args::fuzzer_dir, "a folder"},
                {"--cases", &Args::cases, "a count"},
                {"--only", &Args::only, "an obligation name"}};
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    bool taken = false;
    for (const auto& v : valued) {
      const std::string flag = v.flag;
      if (s == flag) {
        if (i + 1 >= argc) return bad(flag + " needs " + v.what);
        a->*v.field = argv[++i];
        taken = true;
      } else if (s.rfind(flag + "=", 0) == 0) {
        a->*v.field = s.substr(flag.size() + 1);
        taken = true;
      }
    }
    if (taken) continue;
    if (s == "--minimize") {
      a->minimize = true;
    } else if (s == "--json") {
      a->json = true;
    } else if (s == "-h" || s == "--help") {
      a->command = "help";
    } else if (!s.empty() && s[0] == '-') {
      return bad("unknown option '" + s + "' (try `ptcheck help`)");
    } else {
      a->inputs.push_back(s);
    }
  }
  return kHolds;
}

// An optional decimal count in [lo, hi]; an empty string keeps *out.
bool parse_count(const std::string& s, unsigned long long lo, unsigned long long hi, unsigned* out) {
  if (s.empty()) return true;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno || *end || s[0] == '-' || v < lo || v > hi) return false;
  *out = unsigned(v);
  return true;
}

bool known_oracle(const std::string& name) {
  for (int o = 1; o <= 9; ++o)
    if (name == ptc::oracle_name(ptc::Oracle(o))) return true;
  return false;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s:0: cannot read the file\n", path.c_str());
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// A fuzz_ops input (any bytes) as the script it decodes to.
bool load_fuzz_input(const std::string& path, ptc::Script* out) {
  std::string bytes;
  if (!read_file(path, &bytes)) return false;
  *out = ptc::decode_fuzz_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  out->file = path;
  return true;
}

bool is_script_file(const std::string& path) { return fs::path(path).extension() == ".ops"; }

// Reads and parses one script (a .ops file) or decodes a fuzz_ops input (any other file); on error
// prints FILE:LINE: message.
bool load_script(const std::string& path, ptc::Script* out) {
  if (!is_script_file(path)) return load_fuzz_input(path, out);
  std::string text;
  if (!read_file(path, &text)) return false;
  auto parsed = ptc::parse_script(text, path);
  if (auto* e = std::get_if<ptc::ParseError>(&parsed)) {
    std::fprintf(stderr, "%s\n", e->str().c_str());
    return false;
  }
  *out = std::move(std::get<ptc::Script>(parsed));
  if (std::string why = ptc::check_runnable(*out); !why.empty()) {
    std::fprintf(stderr, "%s\n", why.c_str());
    return false;
  }
  return true;
}

const ptc_target_ops* select_target(const Args& a) {
  if (a.target_path.empty()) return ptc_lpae_ops();
  std::string error;
  const ptc_target_ops* ops = ptc::load_target_library(a.target_path, &error);
  if (!ops) std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
  return ops;
}

// Runs scripts; `quiet` prints one line per script (replay), else the full trace of a failure.
// `run` runs nothing when any input is bad; `replay` (quiet) reports each bad file as its line and
// goes on, then exits 2.
int run_scripts(const std::vector<std::string>& files, const ptc_target_ops* target, bool quiet,
                const std::string& expect_violation, const std::string& target_path) {
  ptc::RunOptions opts;
  if (!target_path.empty()) opts.replay_args = "--target " + target_path;
  std::vector<ptc::Script> scripts(files.size());
  std::vector<bool> loaded(files.size());
  bool any_bad = false;
  for (size_t i = 0; i < files.size(); ++i) {
    loaded[i] = load_script(files[i], &scripts[i]);
    if (!loaded[i] && !quiet) return kBadInput;
    any_bad |= !loaded[i];
  }
  int status = kHolds;
  size_t passed = 0, failed = 0, skipped = 0, bad_files = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!loaded[i]) {
      ++bad_files;
      continue;
    }
    const ptc::RunResult r = ptc::run_script(scripts[i], target, opts);
    if (r.skipped) {
      ++skipped;
      std::printf("SKIP %s: %s\n", files[i].c_str(), r.skip_reason.c_str());
      continue;
    }
    if (!expect_violation.empty()) {
      const bool as_expected = r.failure && expect_violation == ptc::oracle_name(r.failure->oracle);
      if (as_expected) {
        ++passed;
        std::printf("ok   %s: %s caught as expected (%s)\n", files[i].c_str(), expect_violation.c_str(),
                    r.failure->signature.c_str());
      } else {
        ++failed;
        status = kBug;
        if (r.failure)
          std::printf("FAIL %s: expected %s, got %s\n%s", files[i].c_str(), expect_violation.c_str(),
                      r.failure->signature.c_str(), r.failure->trace.c_str());
        else
          std::printf("FAIL %s: expected %s, but every oracle held\n", files[i].c_str(), expect_violation.c_str());
      }
      continue;
    }
    if (r.ok()) {
      ++passed;
      std::printf("ok   %s (%zu statements)\n", files[i].c_str(), r.statements);
    } else {
      ++failed;
      status = kBug;
      if (quiet)
        std::printf("FAIL %s:%d %s\n", files[i].c_str(), r.failure->line, r.failure->signature.c_str());
      else
        std::printf("%s", r.failure->trace.c_str());
    }
  }
  std::printf("%zu passed, %zu failed", passed, failed);
  if (skipped) std::printf(", %zu skipped", skipped);
  if (bad_files) std::printf(", %zu bad input", bad_files);
  std::printf("\n");
  return any_bad ? kBadInput : status;
}

// Every .ops file under each folder (or the file itself), sorted for a stable order.
bool collect_scripts(const std::vector<std::string>& inputs, std::vector<std::string>* out) {
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_regular_file(in, ec)) {
      out->push_back(in);
      continue;
    }
    if (!fs::is_directory(in, ec)) {
      std::fprintf(stderr, "%s:0: no such file or folder\n", in.c_str());
      return false;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(in, ec); it != fs::recursive_directory_iterator(); ++it) {
      const fs::path& p = it->path();
      const std::string name = p.filename().string();
      // Inputs of the other fuzzers are replayed by those fuzzers (ctest label fuzz).
      if (it->is_directory() && (name == "fuzz_bitmap" || name == "fuzz_script")) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      const std::string ext = p.extension().string();
      if (ext == ".md" || ext == ".dict" || ext == ".options" || ext == ".zip" || name[0] == '.') continue;
      found.push_back(p.string());  // a .ops script, or any other file: a fuzz_ops input
    }
    std::sort(found.begin(), found.end());
    out->insert(out->end(), found.begin(), found.end());
  }
  return true;
}

int explain_minimized(const ptc::Script& script, const ptc_target_ops* t, const Args& a) {
  const std::string sig = ptc::failure_signature(script, t);
  if (sig.empty()) {
    std::fprintf(stderr, "ptcheck: every oracle holds for %s on target %s: nothing to minimize\n", a.inputs[0].c_str(),
                 t->name ? t->name : "?");
    std::fputs(ptc::print_script(script).c_str(), stdout);
    return kHolds;
  }
  const ptc::Script small = ptc::minimize_failure(script, t, sig);
  std::printf("# %s, minimized from %zu to %zu statements: fails with %s\n# replay: save as FILE.ops, then "
              "ptcheck run FILE.ops%s\n",
              a.inputs[0].c_str(), script.ops.size(), small.ops.size(), sig.c_str(),
              a.target_path.empty() ? "" : (" --target " + a.target_path).c_str());
  std::fputs(ptc::print_script(small).c_str(), stdout);
  return kHolds;
}

}  // namespace

int main(int argc, char** argv) {
#if PTCHECK_HAVE_STRESS
  if (argc >= 2 && std::string(argv[1]) == "stress") return ptc::cli::stress_main(argc - 2, argv + 2);
#endif
  Args a;
  if (parse_args(argc, argv, &a) != kHolds) return kBadInput;
  if (a.command == "help") {
    std::fputs(kUsage, stdout);
    return kHolds;
  }
  if (!a.expect_violation.empty() && !known_oracle(a.expect_violation))
    return bad("unknown oracle '" + a.expect_violation + "' for --expect-violation");
  if (a.command == "run") {
    if (a.inputs.empty()) return bad("run needs at least one SCRIPT.ops");
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return run_scripts(a.inputs, t, false, a.expect_violation, a.target_path);
  }
  if (a.command == "replay") {
    if (a.inputs.empty()) return bad("replay needs at least one folder");
    std::vector<std::string> files;
    if (!collect_scripts(a.inputs, &files)) return kBadInput;
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return run_scripts(files, t, true, "", a.target_path);
  }
  if (a.command == "explain") {
    if (a.inputs.size() != 1) return bad("explain needs exactly one INPUT");
    ptc::Script script;
    if (!load_fuzz_input(a.inputs[0], &script)) return kBadInput;
    if (!a.minimize) {
      std::fputs(ptc::print_script(script).c_str(), stdout);
      return kHolds;
    }
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return explain_minimized(script, t, a);
  }
  if (a.command == "fuzz") {
    ptc::cli::FuzzOptions fo;
    if (a.inputs.size() > 1) return bad("fuzz takes one FUZZER at most");
    if (!a.inputs.empty()) fo.fuzzer = a.inputs[0];
    if (fo.fuzzer != "fuzz_ops" && fo.fuzzer != "fuzz_bitmap" && fo.fuzzer != "fuzz_script")
      return bad("unknown fuzzer '" + fo.fuzzer + "' (fuzz_ops, fuzz_bitmap, fuzz_script)");
    if (!parse_count(a.time, 1, 86400 * 7, &fo.seconds)) return bad("--time must be 1..604800 seconds");
    if (!parse_count(a.jobs, 1, 256, &fo.jobs)) return bad("--jobs must be 1..256");
    unsigned seed = 0;
    if (!parse_count(a.seed, 0, 0xffffffffu, &seed)) return bad("--seed must be a number");
    fo.seed = seed;
    fo.target_path = a.target_path;
    fo.source_dir = PTCHECK_SOURCE_DIR;
    if (!a.corpora.empty()) fo.regressions_dir = a.corpora + "/regressions";
    fo.fuzzer_dir = a.fuzzer_dir.empty() ? std::string(PTCHECK_SOURCE_DIR) + "/build/fuzz/fuzz" : a.fuzzer_dir;
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return ptc::cli::run_fuzz_campaign(fo, t);
  }
  if (a.command == "properties") {
    if (!a.inputs.empty()) return bad("properties takes no positional arguments");
    ptc::cli::PropertiesOptions po;
    if (!ptc::cli::properties_available()) return bad("properties: this ptcheck was built without them (PTCHECK_BUILD_TESTS=ON)");
    if (!parse_count(a.cases, 1, 1000000, &po.cases)) return bad("--cases must be 1..1000000");
    unsigned seed = 1;
    if (!parse_count(a.seed, 0, 0xffffffffu, &seed)) return bad("--seed must be a number");
    po.seed = seed;
    po.target_path = a.target_path;
    po.failure_dir = std::string(PTCHECK_BINARY_DIR) + "/property-failures";
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return ptc::cli::run_property_suites(po, t);
  }
  if (a.command == "prove") {
    if (!a.inputs.empty()) return bad("prove takes no positional arguments");
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return ptc::cli::run_prove_command(ptc::cli::ProveOptions{a.only, a.json, a.target_path}, t);
  }
  if (a.command == "check") {
    if (!a.inputs.empty()) return bad("check takes no positional arguments");
    unsigned fuzz_seconds = 10;
    if (!parse_count(a.time, 0, 86400, &fuzz_seconds)) return bad("--time must be 0..86400 seconds per fuzzer");
    ptc::cli::PropertiesOptions po;
    if (!parse_count(a.cases, 0, 1000000, &po.cases)) return bad("--cases must be 0..1000000");
    const std::string root = a.corpora.empty() ? std::string(PTCHECK_SOURCE_DIR) + "/corpora" : a.corpora;
    std::vector<std::string> dirs;
    for (const char* sub : {"scenarios", "regressions", "fuzz/fuzz_ops"})
      if (fs::is_directory(root + "/" + sub)) dirs.push_back(root + "/" + sub);
    if (dirs.empty()) return bad(root + ":0: no scenarios/ or regressions/ folder");
    std::vector<std::string> files;
    if (!collect_scripts(dirs, &files)) return kBadInput;
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    std::printf("ptcheck check: target %s\n== replay: %zu scripts and fuzz_ops inputs under %s\n", t->name ? t->name : "?",
                files.size(), root.c_str());
    int status = run_scripts(files, t, true, "", a.target_path);
    if (po.cases == 0 || !ptc::cli::properties_available()) {
      std::printf("== properties: %s\n", po.cases == 0 ? "off (--cases 0)" : "not built (PTCHECK_BUILD_TESTS=OFF)");
    } else {
      po.target_path = a.target_path;
      po.failure_dir = std::string(PTCHECK_BINARY_DIR) + "/property-failures";
      std::fflush(stdout);
      const int r = ptc::cli::run_property_suites(po, t);
      if (r != kHolds && status == kHolds) status = r;
    }
    std::printf("== prove: split and block unmap/dirty obligations on the target's recorded steps (all: ptcheck prove)\n");
    if (const int p = ptc::cli::run_prove_for_check(t, a.target_path); p != kHolds && status == kHolds) status = p;
    // A short fuzz of each fuzzer, when the fuzz preset is built.
    const std::string fuzzer_dir = a.fuzzer_dir.empty() ? std::string(PTCHECK_SOURCE_DIR) + "/build/fuzz/fuzz" : a.fuzzer_dir;
    if (fuzz_seconds == 0) {
      std::printf("== fuzz: off (--time 0)\n");
    } else if (!fs::is_regular_file(fuzzer_dir + "/fuzz_ops")) {
      std::printf("== fuzz: skipped, no fuzzers in %s (cmake --preset fuzz && cmake --build --preset fuzz)\n",
                  fuzzer_dir.c_str());
    } else {
      for (const char* f : {"fuzz_ops", "fuzz_bitmap", "fuzz_script"}) {
        std::printf("== fuzz: %s, %us\n", f, fuzz_seconds);
        ptc::cli::FuzzOptions fo;
        fo.fuzzer = f;
        fo.seconds = fuzz_seconds;
        fo.seed = 1;
        fo.target_path = a.target_path;
        fo.source_dir = PTCHECK_SOURCE_DIR;
        fo.fuzzer_dir = fuzzer_dir;
        const int r = ptc::cli::run_fuzz_campaign(fo, t);
        if (r != kHolds && status == kHolds) status = r;
      }
    }
#if PTCHECK_HAVE_STRESS
    {
      std::printf("== stress: 3s\n");
      ptc::cli::StressOptions so;
      so.seconds = 3;
      so.seed = 1;
      so.quiet = true;
      so.target_path = a.target_path;
      const int r = ptc::cli::run_stress(so, t);
      if (r != kHolds && status == kHolds) status = r;
    }
#endif
    std::printf("ptcheck check: %s\n", status == kHolds ? "every oracle holds" : status == kBug ? "BUGS FOUND" : "bad input");
    return status;
  }
  return bad("unknown command '" + a.command + "' (try `ptcheck help`)");
}
