// ptcheck: the command line (SPEC.md section 8). One CLI11 subcommand per command, each with only its own
// options (an option of another command is an error, not ignored: an ignored flag would make a gate pass
// that did not do what was asked); every value is checked here, before anything runs. The commands'
// bodies live in their own files (run_command, explain_command, check_command, ...); usage.cpp says
// what each option does.
// Exit status: 0 the oracles hold (or --help, --version), 1 a bug was found, 2 bad input (one line on
// stderr: FILE:LINE: what is wrong, or `ptcheck: what is wrong`).
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/lpae/lpae_target.h"
#include "core/oracles.h"
#include "core/runner/target_loader.h"
#include "tools/ptcheck/bench_command.h"
#include "tools/ptcheck/check_command.h"
#include "tools/ptcheck/data_dir.h"
#include "tools/ptcheck/explain_command.h"
#include "tools/ptcheck/fail_sweep_command.h"
#include "tools/ptcheck/fuzz_command.h"
#include "tools/ptcheck/properties_command.h"
#include "tools/ptcheck/prove_command.h"
#include "tools/ptcheck/report_file.h"
#include "tools/ptcheck/run_command.h"
#include "tools/ptcheck/script_files.h"
#include "tools/ptcheck/stop_flag.h"
#include "tools/ptcheck/target_log.h"
#include "tools/ptcheck/usage.h"
#if PTCHECK_HAVE_STRESS
#include "tools/ptcheck/stress_command.h"
#endif

#ifndef PTCHECK_VERSION
#define PTCHECK_VERSION "unknown"
#endif

namespace {

constexpr int kHolds = 0, kBadInput = 2;

// Every option as given: values stay text until checked below, with the messages the tests expect.
struct Args {
  std::string command;
  std::vector<std::string> inputs;          // positional arguments
  std::vector<std::string> libfuzzer_args;  // fuzz: everything after `--`
  bool double_dash = false;                 // `--` was given
  std::string target_path, corpora, expect_violation, only, time, jobs, seed, fuzzer_dir, cases, budget;
  std::string json_file, junit_file, html, contract, op_timeout, target_log, threads, ops, out_dir, filter, fuzz_build;
  std::string save_regressions, corpus;
  bool minimize = false, json = false, quick = false, verbose = false, fail_sweep = false, help = false;
};

int bad(const std::string& line) {
  std::fprintf(stderr, "ptcheck: %s\n", line.c_str());
  return kBadInput;
}

// The command line as CLI11 subcommands. CLI11 itself prints nothing: what it leaves over (an unknown
// option, a stray argument) is turned into one line here.
class CommandLine {
 public:
  explicit CommandLine(Args* a);
  // nullopt: go on and run a->command; else the exit status (0 after --help or --version, 2 after its line).
  std::optional<int> parse(int argc, char** argv);

 private:
  CLI::App* command(const char* name);
  void value(CLI::App* c, const char* flag, std::string* field, const char* what);
  void flag(CLI::App* c, const char* flag, bool* field);
  // --target and --contract; with `isolated`, also --op-timeout and --target-log (the target runs in children).
  void target_options(CLI::App* c, bool isolated);
  std::optional<int> leftovers(const CLI::App* c) const;

  Args* a_;
  CLI::App app_{"", "ptcheck"};
  bool help_ = false, version_ = false;
  std::vector<std::pair<const CLI::Option*, std::string>> valued_;  // an option and what it needs ("a file")
};

CommandLine::CommandLine(Args* a) : a_(a) {
  app_.set_help_flag();  // --help is answered here, with usage.cpp's text
  app_.allow_extras();
  app_.require_subcommand(0, 1);
  // As the hand-written parser did: a repeated option's last value wins.
  app_.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  flag(&app_, "-h,--help", &help_);
  flag(&app_, "--version", &version_);

  CLI::App* c = command("run");
  c->add_option("SCRIPT", a->inputs);
  target_options(c, true);
  value(c, "--expect-violation", &a->expect_violation, "an oracle name");
  value(c, "--html", &a->html, "a file");
  flag(c, "--fail-sweep", &a->fail_sweep);
  value(c, "--out", &a->out_dir, "a folder");  // run --fail-sweep: where failing variants are written

  c = command("replay");
  c->add_option("DIR", a->inputs);
  target_options(c, true);

  c = command("explain");
  c->add_option("INPUT", a->inputs);
  target_options(c, true);
  flag(c, "--minimize", &a->minimize);
  value(c, "--html", &a->html, "a file");

  c = command("fuzz");
  c->add_option("FUZZER", a->inputs);
  target_options(c, false);
  value(c, "--time", &a->time, "seconds");
  value(c, "--jobs", &a->jobs, "a count");
  value(c, "--seed", &a->seed, "a number");
  value(c, "--fuzzers", &a->fuzzer_dir, "a folder");
  value(c, "--corpora", &a->corpora, "a folder");
  value(c, "--save-regressions", &a->save_regressions, "a folder");
  value(c, "--corpus", &a->corpus, "a folder");
  flag(c, "--verbose", &a->verbose);

  c = command("check");
  target_options(c, true);
  value(c, "--budget", &a->budget, "seconds");
  value(c, "--json", &a->json_file, "a file");
  value(c, "--junit", &a->junit_file, "a file");
  value(c, "--corpora", &a->corpora, "a folder");
  value(c, "--time", &a->time, "seconds");
  value(c, "--cases", &a->cases, "a count");
  value(c, "--fuzzers", &a->fuzzer_dir, "a folder");
  value(c, "--save-regressions", &a->save_regressions, "a folder");
  flag(c, "--verbose", &a->verbose);

  c = command("properties");
  target_options(c, true);
  value(c, "--cases", &a->cases, "a count");
  value(c, "--seed", &a->seed, "a number");
  value(c, "--only", &a->only, "a property name");

  c = command("prove");
  target_options(c, true);
  flag(c, "--json", &a->json);
  value(c, "--only", &a->only, "an obligation name");
  value(c, "--html", &a->html, "a file");

  c = command("stress");
  target_options(c, true);
  value(c, "--threads", &a->threads, "a count");
  value(c, "--time", &a->time, "seconds");
  value(c, "--seed", &a->seed, "a number");
  value(c, "--ops", &a->ops, "a count");
  value(c, "--out", &a->out_dir, "a folder");

  c = command("bench");
  flag(c, "--quick", &a->quick);
  value(c, "--json", &a->json_file, "a file");
  value(c, "--filter", &a->filter, "a regular expression");
  value(c, "--fuzz-build", &a->fuzz_build, "a folder");

  c = command("help");
  c->add_option("COMMAND", a->inputs);
}

CLI::App* CommandLine::command(const char* name) {
  CLI::App* c = app_.add_subcommand(name);
  c->allow_extras();
  flag(c, "-h,--help", &a_->help);
  return c;
}

// `--flag VALUE` or `--flag=VALUE`. The value is optional to CLI11, so that a missing one (`--json` last,
// or followed by another option) is "--json needs a file" below rather than CLI11's own wording.
void CommandLine::value(CLI::App* c, const char* flag, std::string* field, const char* what) {
  valued_.emplace_back(c->add_option(flag, *field)->expected(0, 1), what);
}

void CommandLine::flag(CLI::App* c, const char* flag, bool* field) { c->add_flag(flag, *field); }

void CommandLine::target_options(CLI::App* c, bool isolated) {
  value(c, "--target", &a_->target_path, "a library path");
  value(c, "--contract", &a_->contract, "spec or linux");
  if (!isolated) return;
  value(c, "--op-timeout", &a_->op_timeout, "seconds");
  value(c, "--target-log", &a_->target_log, "a file");
}

// What CLI11 left over in command `c`: an option of another command, an unknown option, a stray argument.
std::optional<int> CommandLine::leftovers(const CLI::App* c) const {
  const std::vector<std::string> rest = c->remaining();
  if (rest.empty()) return std::nullopt;
  const std::string& s = rest.front();
  const std::string name = c->get_name();
  if (s.size() < 2 || s[0] != '-') return bad(name + " takes no positional arguments ('" + s + "')");
  const std::string flag = s.substr(0, s.find('='));
  for (const CLI::App* other : app_.get_subcommands([](const CLI::App*) { return true; }))
    if (other->get_option_no_throw(flag))
      return bad(flag + " is not an option of " + name + " (try `ptcheck " + name + " --help`)");
  return bad("unknown option '" + s + "' (try `ptcheck " + name + " --help`)");
}

std::optional<int> CommandLine::parse(int argc, char** argv) {
  // `--`: what follows goes to libFuzzer as it is (fuzz), unseen by CLI11.
  int end = 1;
  while (end < argc && std::string(argv[end]) != "--") ++end;
  a_->double_dash = end < argc;
  for (int i = end + 1; i < argc; ++i) a_->libfuzzer_args.push_back(argv[i]);
  try {
    app_.parse(end, argv);
  } catch (const CLI::ParseError& e) {
    return bad(e.what());
  }
  if (const std::vector<std::string> rest = app_.remaining(); !rest.empty()) {
    const std::string& s = rest.front();
    if (!s.empty() && s[0] == '-') return bad("unknown option '" + s + "' (try `ptcheck help`)");
    return bad("unknown command '" + s + "' (try `ptcheck help`)");
  }
  if (version_) {
    std::printf("ptcheck %s\n", PTCHECK_VERSION);
    return kHolds;
  }
  const std::vector<CLI::App*> chosen = app_.get_subcommands();
  if (help_ || (!chosen.empty() && chosen.front()->get_name() == "help" && a_->inputs.empty())) {
    std::fputs(ptc::cli::usage_text().c_str(), stdout);
    return kHolds;
  }
  if (chosen.empty()) return bad("no command (try `ptcheck help`)");
  const CLI::App* c = chosen.front();
  a_->command = c->get_name();
  if (a_->help) {
    std::fputs(ptc::cli::command_usage(a_->command).c_str(), stdout);
    return kHolds;
  }
  if (auto rc = leftovers(c)) return rc;
  if (a_->command == "help") {
    if (a_->inputs.size() > 1) return bad("help takes one COMMAND at most");
    const std::string text = ptc::cli::command_usage(a_->inputs[0]);
    if (text.empty()) return bad("unknown command '" + a_->inputs[0] + "' (try `ptcheck help`)");
    std::fputs(text.c_str(), stdout);
    return kHolds;
  }
  if (a_->double_dash && a_->command != "fuzz")
    return bad("`--` passes flags to libFuzzer: only fuzz takes it (try `ptcheck " + a_->command + " --help`)");
  for (const auto& [opt, what] : valued_)
    if (opt->count() > 0 && opt->as<std::string>().empty())
      return bad(opt->get_name() + " needs " + what);
  return std::nullopt;
}

// A decimal (or, with base 0, also 0x.. hex) count in [lo, hi]; an empty string keeps *out.
template <typename T>
bool parse_count(const std::string& s, unsigned long long lo, unsigned long long hi, T* out, int base = 10) {
  if (s.empty()) return true;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, base);
  if (errno || *end || s[0] == '-' || v < lo || v > hi) return false;
  *out = T(v);
  return true;
}

bool known_oracle(const std::string& name) {
  for (int o = 1; o <= ptc::kOracleCount; ++o)
    if (name == ptc::oracle_name(ptc::Oracle(o))) return true;
  return false;
}

const ptc_target_ops* select_target(const Args& a) {
  if (a.target_path.empty()) return ptc_lpae_ops();
  std::string error;
  const ptc_target_ops* ops = ptc::load_target_library(a.target_path, &error);
  if (!ops) std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
  return ops;
}

// A long command that SIGTERM or SIGINT stopped before it found anything: 128 + the signal, as a shell
// reports a process the signal killed, so that a CI job is not marked green by a run cut short.
int stopped_status(int status) {
  return status == kHolds && ptc::cli::stop_requested() ? ptc::cli::stopped_exit_status() : status;
}

// What each command needs of its positional arguments: "" when they fit.
std::string positional_problem(const Args& a) {
  const size_t n = a.inputs.size();
  if (a.command == "run" && n == 0) return "run needs at least one SCRIPT.ops";
  if (a.command == "replay" && n == 0) return "replay needs at least one folder";
  if (a.command == "explain" && n != 1) return "explain needs exactly one INPUT";
  if (a.command == "fuzz" && n > 1) return "fuzz takes one FUZZER at most";
  return "";
}

// The report files this command writes: each must be writable before anything runs (a passing run must
// not end in exit 0 without the report it was asked for).
std::string unwritable_report(const Args& a) {
  for (const std::string* p : {&a.html, &a.json_file, &a.junit_file}) {
    std::string error;
    if (a.command != "bench" && !p->empty() && !ptc::cli::report_path_writable(*p, &error)) return error;
  }
  return "";
}

int fuzz(const Args& a, const ptc_target_ops* t) {
  ptc::cli::FuzzOptions fo;
  if (!a.inputs.empty()) fo.fuzzer = a.inputs[0];
  if (fo.fuzzer != "fuzz_ops" && fo.fuzzer != "fuzz_bitmap" && fo.fuzzer != "fuzz_script")
    return bad("unknown fuzzer '" + fo.fuzzer + "' (fuzz_ops, fuzz_bitmap, fuzz_script)");
  if (!parse_count(a.time, 1, 86400 * 7, &fo.seconds)) return bad("--time must be 1..604800 seconds");
  if (!parse_count(a.jobs, 1, 256, &fo.jobs)) return bad("--jobs must be 1..256");
  if (!parse_count(a.seed, 0, 0xffffffffu, &fo.seed)) return bad("--seed must be a number");
  fo.target_path = a.target_path;
  fo.contract = a.contract == "linux" ? ptc::Contract::Linux : ptc::Contract::Spec;
  fo.source_dir = ptc::cli::data_dir();
  fo.corpora_dir = a.corpora;
  fo.fuzzer_dir = a.fuzzer_dir.empty() ? ptc::cli::data_dir() + "/build/fuzz/fuzz" : a.fuzzer_dir;
  fo.save_regressions_dir = a.save_regressions;
  fo.corpus_dir = a.corpus;
  fo.verbose = a.verbose;
  fo.libfuzzer_args = a.libfuzzer_args;
  return stopped_status(ptc::cli::run_fuzz_campaign(fo, t));
}

int check(const Args& a, const ptc_target_ops* t, const ptc::cli::ScriptRunOptions& so) {
  ptc::cli::CheckOptions co;
  if (!parse_count(a.time, 0, 86400, &co.fuzz_seconds)) return bad("--time must be 0..86400 seconds per fuzzer");
  if (!parse_count(a.cases, 0, 1000000, &co.cases)) return bad("--cases must be 0..1000000");
  if (!parse_count(a.budget, 1, 86400, &co.budget)) return bad("--budget must be 1..86400 seconds");
  co.json_path = a.json_file;
  co.junit_path = a.junit_file;
  co.target_path = a.target_path;
  co.contract = ptc::cli::contract_of(so);
  co.isolation = so.isolation;
  co.source_dir = ptc::cli::data_dir();
  co.corpora_root = a.corpora.empty() ? ptc::cli::data_dir() + "/corpora" : a.corpora;
  co.fuzzer_dir = a.fuzzer_dir.empty() ? ptc::cli::data_dir() + "/build/fuzz/fuzz" : a.fuzzer_dir;
  co.failure_dir = ptc::cli::output_dir() + "/property-failures";
  co.save_regressions_dir = a.save_regressions;
  co.verbose = a.verbose;
  return ptc::cli::run_check(co, t);
}

int properties(const Args& a, const ptc_target_ops* t, const ptc::cli::ScriptRunOptions& so) {
  ptc::cli::PropertiesOptions po;
  if (!ptc::cli::properties_available()) return bad("properties: this ptcheck was built without them (PTCHECK_BUILD_TESTS=ON)");
  if (!parse_count(a.cases, 1, 1000000, &po.cases)) return bad("--cases must be 1..1000000");
  if (!parse_count(a.seed, 0, 0xffffffffu, &po.seed)) return bad("--seed must be a number");
  po.target_path = a.target_path;
  po.contract = ptc::cli::contract_of(so);
  po.failure_dir = ptc::cli::output_dir() + "/property-failures";
  po.only = a.only;
  po.isolation = so.isolation;
  const int rc = ptc::cli::run_property_suites(po, t);
  if (rc == kBadInput) return kBadInput;  // run_property_suites printed the one line
  if (const std::string log = ptc::cli::target_log_summary(so.isolation); !log.empty()) std::printf("%s\n", log.c_str());
  return stopped_status(rc);
}

int stress(const Args& a, const ptc_target_ops* t, const ptc::cli::ScriptRunOptions& so) {
#if PTCHECK_HAVE_STRESS
  ptc::cli::StressOptions o;
  if (!parse_count(a.threads, 1, 64, &o.threads, 0)) return bad("--threads must be 1..64");
  if (!parse_count(a.time, 1, 86400 * 7, &o.seconds, 0)) return bad("--time must be 1..604800 seconds");
  if (!parse_count(a.ops, 1, 100000, &o.ops, 0)) return bad("--ops must be 1..100000");
  if (!parse_count(a.seed, 1, ~0ull, &o.seed, 0)) return bad("--seed must be a number > 0");
  o.target_path = a.target_path;
  o.out_dir = a.out_dir;
  o.contract = ptc::cli::contract_of(so);
  const int rc = ptc::cli::run_stress_isolated(o, t, so.isolation);
  if (const std::string log = ptc::cli::target_log_summary(so.isolation); !log.empty()) std::printf("%s\n", log.c_str());
  return stopped_status(rc);
#else
  (void)a, (void)t, (void)so;
  return bad("stress: this ptcheck was built without it (PTCHECK_BUILD_TESTS=ON)");
#endif
}

int prove(const Args& a, const ptc_target_ops* t, const ptc::cli::ScriptRunOptions& so) {
  if (!ptc::cli::prove_selection_exists(a.only))
    return bad("--only '" + a.only + "' names no obligation (try `ptcheck prove --only '*'` for the list)");
  ptc::cli::ProveOptions po{a.only, a.json, a.target_path, a.html, ptc::cli::contract_of(so)};
  return ptc::cli::run_prove_isolated(po, t, so.isolation, a.contract);
}

int replay(const Args& a, const ptc_target_ops* t, const ptc::cli::ScriptRunOptions& so) {
  std::vector<std::string> files;
  if (!ptc::cli::collect_scripts(a.inputs, &files, /*empty_folder_is_bad=*/true)) return kBadInput;
  return ptc::cli::run_scripts(files, t, true, so);
}

int run(const Args& a, const ptc_target_ops* t, const ptc::cli::ScriptRunOptions& so) {
  if (!a.fail_sweep) {
    if (!a.out_dir.empty()) return bad("--out is an option of run --fail-sweep");
    return ptc::cli::run_scripts(a.inputs, t, false, so);
  }
  for (const auto& [given, flag] : {std::pair{!a.html.empty(), "--html"}, {!a.expect_violation.empty(), "--expect-violation"}})
    if (given) return bad(std::string(flag) + " does not go with --fail-sweep");
  ptc::cli::FailSweepOptions fo;
  fo.target_path = a.target_path;
  fo.replay_args = ptc::cli::replay_args(so);
  fo.isolation = so.isolation;
  fo.contract = a.contract == "linux" ? ptc::Contract::Linux : ptc::Contract::Spec;
  fo.out_dir = a.out_dir.empty() ? ptc::cli::output_dir() + "/fail-sweep" : a.out_dir;
  return ptc::cli::run_fail_sweep(a.inputs, t, fo);
}

// The command, its options checked: what every command shares first, then its own.
int dispatch(const Args& a) {
  if (const std::string why = positional_problem(a); !why.empty()) return bad(why);
  if (!a.contract.empty() && a.contract != "spec" && a.contract != "linux")
    return bad("--contract must be spec or linux, got '" + a.contract + "'");
  if (!a.expect_violation.empty() && !known_oracle(a.expect_violation))
    return bad("unknown oracle '" + a.expect_violation + "' for --expect-violation");
  double op_timeout = ptc::cli::kDefaultOpTimeoutSeconds;
  if (!a.op_timeout.empty())
    if (std::string why = ptc::cli::parse_op_timeout(a.op_timeout, &op_timeout); !why.empty()) return bad(why);
  if (const std::string why = unwritable_report(a); !why.empty()) return bad(why);
  if (a.command == "bench") return ptc::cli::bench_command({a.quick, a.json_file, a.filter, a.fuzz_build});
  if (a.command == "check" || a.command == "fuzz" || a.command == "properties" || a.command == "stress")
    ptc::cli::install_stop_handlers();  // they poll the stop flag and end with their summary and reports

  ptc::cli::ScriptRunOptions so;
  so.target_path = a.target_path;
  so.contract_arg = a.contract;
  so.expect_violation = a.expect_violation;
  so.html = a.html;
  if (a.command != "fuzz") {  // the others run the target in child processes (core/isolation)
    std::string error;
    so.isolation = ptc::cli::isolation_for_run(a.target_log, op_timeout, &error);
    if (!error.empty()) return bad(error);
  }
  // explain loads the target only to run the input.
  const bool needs_target = a.command != "explain" || a.minimize || !a.html.empty();
  const ptc_target_ops* t = needs_target ? select_target(a) : nullptr;
  if (needs_target && !t) return kBadInput;
  if (a.command == "run") return run(a, t, so);
  if (a.command == "replay") return replay(a, t, so);
  if (a.command == "explain") return ptc::cli::explain_command(a.inputs[0], a.minimize, t, so);
  if (a.command == "fuzz") return fuzz(a, t);
  if (a.command == "check") return check(a, t, so);
  if (a.command == "properties") return properties(a, t, so);
  if (a.command == "prove") return prove(a, t, so);
  if (a.command == "stress") return stress(a, t, so);
  return bad("unknown command '" + a.command + "' (try `ptcheck help`)");
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CommandLine cli(&a);
  if (const std::optional<int> rc = cli.parse(argc, argv)) return *rc;
  return dispatch(a);
}
