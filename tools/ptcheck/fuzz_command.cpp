#include "tools/ptcheck/fuzz_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "core/encoding/fuzz_input.h"
#include "core/isolation/isolated_run.h"
#include "core/runner/minimize.h"
#include "tools/ptcheck/target_log.h"
#include "core/runner/runner.h"
#include "core/script/script.h"
#include "tools/ptcheck/data_dir.h"
#include "tools/ptcheck/fuzz_run_dir.h"
#include "tools/ptcheck/stop_flag.h"

extern char** environ;

namespace fs = std::filesystem;

namespace ptc::cli {

namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The last figures libFuzzer printed ("#1234 pulse cov: 10 ft: 20 corp: 5/1Kb exec/s: 99 ...", or the
// fork mode's "#1234: cov: 10 ft: 20 corp: 5 exec/s: 99 oom/timeout/crash: 0/0/1 time: 12s ...").
struct Progress {
  uint64_t execs = 0, cov = 0, ft = 0, corpus = 0, exec_per_s = 0, crashes = 0;
  bool parse(const std::string& line) {
    static const std::regex head(R"(^#(\d+):?\s+\w*\s*cov: (\d+) ft: (\d+) corp: (\d+))");
    std::smatch m;
    if (!std::regex_search(line, m, head)) return false;
    execs = std::stoull(m[1]);
    cov = std::stoull(m[2]);
    ft = std::stoull(m[3]);
    corpus = std::stoull(m[4]);
    static const std::regex rate(R"(exec/s: (\d+))");
    if (std::regex_search(line, m, rate)) exec_per_s = std::stoull(m[1]);
    static const std::regex fork_crash(R"(oom/timeout/crash: \d+/\d+/(\d+))");
    if (std::regex_search(line, m, fork_crash)) crashes = std::stoull(m[1]);
    return true;
  }
};

std::string sanitize(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  return s;
}

// A fuzz_ops crash as a readable, minimized reproducer in `dir` (the run's own folder); "" if it does not
// reproduce under ptcheck (the crash input is then the only reproducer).
// The input runs, and is minimized, in child processes (core/isolation): a target that crashes or hangs
// there is a signature too, and takes only its child with it.
std::string write_reproducer(const fs::path& crash, const fs::path& dir, const ptc_target_ops* t, Contract contract,
                             bool minimize, const IsolationOptions& io, std::string* signature) {
  std::ifstream in(crash, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  Script s = decode_fuzz_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!s.has_contract) s.config.contract = contract;  // as fuzz_ops ran it (PTCHECK_CONTRACT)
  RunOptions ro;
  ro.event_log = false;
  const RunResult r = run_script_isolated(s, t, ro, io).result;
  if (!r.failure) return "";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string sig = r.failure->signature;
  *signature = sig;
  // Minimizing runs the script many times: not when the run was asked to stop or its time is up.
  const Script small = minimize ? minimize_isolated(s, t, ro, io, sig) : s;
  const std::string name = crash.filename().string();
  const std::string hash = name.substr(std::min(name.size(), name.find('-') + 1), 8);
  const fs::path out = dir / (sanitize(sig) + "-" + hash + ".ops");
  std::ofstream o(out);
  o << "# Found by `ptcheck fuzz` (" << crash.filename().string() << "), "
    << (minimize ? "minimized" : "not minimized (the run was stopped: ptcheck explain --minimize)") << ": fails with "
    << sig << "\n"
    << "# It must hold once the bug is fixed; ctest replays it (label scenario).\n"
    << print_script(small);
  return out.string();
}

// The fuzzer as a child in its own process group (under -fork it starts jobs of its own), its stdout and
// stderr through one pipe, so that it can be stopped as a whole while its output is read.
struct FuzzerProcess {
  pid_t pid = -1;
  int out = -1;  // the read end of the pipe
};

bool start_fuzzer(const std::string& cmd, FuzzerProcess* p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  // Its own SIGINT and SIGTERM as libFuzzer expects them, not ptcheck's handlers.
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGINT);
  sigaddset(&def, SIGTERM);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  const char* argv[] = {"sh", "-c", cmd.c_str(), nullptr};
  const int err = posix_spawn(&p->pid, "/bin/sh", &fa, &attr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (err != 0) {
    ::close(fds[0]);
    return false;
  }
  p->out = fds[0];
  return true;
}

// Reads the fuzzer's output line by line until it ends, stopping the process group when `stop` says why
// ("" while it may go on): SIGTERM first (libFuzzer prints its final stats), SIGKILL half a second later.
// Returns its wait status; *stopped_why is the reason it was stopped, "" if it ended by itself.
int read_until_done(FuzzerProcess& p, const std::function<std::string()>& stop,
                    const std::function<void(const std::string&)>& on_line, std::string* stopped_why) {
  using Clock = std::chrono::steady_clock;
  std::string pending;
  char buf[4096];
  Clock::time_point term_sent{};
  bool killed = false;
  for (;;) {
    if (stopped_why->empty()) {
      *stopped_why = stop();
      if (!stopped_why->empty()) {
        ::kill(-p.pid, SIGTERM);
        term_sent = Clock::now();
      }
    } else if (!killed && Clock::now() - term_sent >= std::chrono::milliseconds(500)) {
      ::kill(-p.pid, SIGKILL);
      killed = true;
    }
    pollfd pfd{p.out, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 100);  // the stop is polled at least every 100 ms
    if (ready <= 0) continue;                // timeout, or EINTR from a signal: look at the flag again
    const ssize_t n = ::read(p.out, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // every writer closed the pipe: the fuzzer and its jobs are gone
    pending.append(buf, size_t(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1))
      on_line(pending.substr(0, nl + 1));
  }
  if (!pending.empty()) on_line(pending);
  ::close(p.out);
  int status = 0;
  while (::waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!stopped_why->empty() && !killed) ::kill(-p.pid, SIGKILL);  // a job left behind in the group
  return status;
}

// The seed folders of `fuzzer` under the corpora folder `corpora`: its committed seeds, and for fuzz_ops and
// fuzz_script the scripts they also read.
std::vector<fs::path> seed_folders(const fs::path& corpora, const std::string& fuzzer) {
  std::vector<fs::path> seeds = {corpora / "fuzz" / fuzzer};
  if (fuzzer == "fuzz_ops")
    for (const char* d : {"scenarios", "oracles", "regressions"}) seeds.push_back(corpora / d);
  if (fuzzer == "fuzz_script") seeds.push_back(corpora / "scenarios");
  return seeds;
}

bool is_finding(const std::string& name) {
  return name.rfind("crash-", 0) == 0 || name.rfind("timeout-", 0) == 0 || name.rfind("leak-", 0) == 0 ||
         name.rfind("oom-", 0) == 0;
}

size_t regular_files(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) n += e.is_regular_file(ec);
  return n;
}

}  // namespace

int run_fuzz_campaign(const FuzzOptions& o, const ptc_target_ops* target) {
  const fs::path bin = fs::path(o.fuzzer_dir) / o.fuzzer;
  std::error_code ec;
  if (!fs::is_regular_file(bin, ec)) {
    std::fprintf(stderr, "ptcheck: %s:0: no such fuzzer (%s)\n", bin.c_str(), no_fuzzers_hint(o.fuzzer_dir).c_str());
    return 2;
  }
  // ptcheck finds this run's crashes in this run's folder: libFuzzer must write them there.
  for (const std::string& a : o.libfuzzer_args)
    if (a.rfind("-artifact_prefix=", 0) == 0 || a.rfind("-exact_artifact_path=", 0) == 0) {
      std::fprintf(stderr, "ptcheck: %s is ptcheck's to set (each run writes its crashes into its own folder)\n",
                   a.c_str());
      return 2;
    }
  const fs::path src(o.source_dir);
  std::vector<std::string> option_flags;
  std::string error;
  if (!libfuzzer_options_flags(src / "corpora/fuzz" / (o.fuzzer + ".options"), &option_flags, &error)) {
    std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
    return 2;
  }
  if (!o.save_regressions_dir.empty() && !fs::is_directory(o.save_regressions_dir, ec) &&
      !fs::create_directories(o.save_regressions_dir, ec)) {
    std::fprintf(stderr, "ptcheck: %s:0: cannot make the folder for --save-regressions: %s\n",
                 o.save_regressions_dir.c_str(), ec.message().c_str());
    return 2;
  }
  // Everything this run writes goes into its own folder (two runs at once never see each other's files);
  // the source tree is only read.
  const fs::path work = make_fuzz_run_dir(fs::path(output_dir()) / "fuzz-runs", o.fuzzer, &error);
  if (work.empty()) {
    std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
    return 2;
  }
  const fs::path corpus = o.corpus_dir.empty() ? work / "corpus" : fs::path(o.corpus_dir);
  const fs::path artifacts = work / "artifacts", reproducers = work / "reproducers";
  fs::create_directories(corpus, ec);
  fs::create_directories(artifacts, ec);
  // The committed seeds, copied in: a fresh corpus is the same start every run ("seed 1" is one run).
  copy_seed_files(seed_folders(o.corpora_dir.empty() ? src / "corpora" : fs::path(o.corpora_dir), o.fuzzer), corpus);
  const size_t corpus_before = regular_files(corpus);

  std::string cmd;
  // PTCHECK_FUZZ_TARGET: the same table built with coverage hooks for the fuzzer (ptcheck_add_target);
  // those resolve only in a libFuzzer binary, so ptcheck itself keeps loading --target.
  const char* instrumented = std::getenv("PTCHECK_FUZZ_TARGET");
  const std::string fuzzer_target = instrumented && *instrumented ? instrumented : o.target_path;
  if (!fuzzer_target.empty()) cmd += "PTCHECK_TARGET=" + quote(fuzzer_target) + " ";
  if (o.contract != Contract::Spec) cmd += std::string("PTCHECK_CONTRACT=") + contract_name(o.contract) + " ";
  // exec: the fuzzer's own wait status, not the shell's.
  cmd = "exec env " + cmd + quote(bin.string()) + " -max_total_time=" + std::to_string(o.seconds) +
        " -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=" + quote(artifacts.string() + "/");
  if (o.jobs > 1) cmd += " -fork=" + std::to_string(o.jobs) + " -ignore_crashes=1";
  if (o.seed) cmd += " -seed=" + std::to_string(o.seed);
  // libFuzzer takes the last of a flag given twice: the .options file over ptcheck's defaults, the user's over both.
  for (const std::string& f : option_flags) cmd += " " + quote(f);
  for (const std::string& f : o.libfuzzer_args) cmd += " " + quote(f);
  cmd += " " + quote(corpus.string());

  std::printf("ptcheck fuzz: %s for %us on %u job(s)%s\n  run folder %s\n  corpus %s%s\n", o.fuzzer.c_str(),
              o.seconds, o.jobs, o.target_path.empty() ? "" : (", target " + o.target_path).c_str(), work.c_str(),
              corpus.c_str(), o.corpus_dir.empty() ? " (the committed seeds, fresh)" : " (kept)");
  if (o.verbose) std::printf("  libFuzzer: %s\n", cmd.c_str());
  std::fflush(stdout);
  FuzzerProcess proc;
  if (!start_fuzzer(cmd, &proc)) {
    std::fprintf(stderr, "ptcheck: cannot start %s\n", bin.c_str());
    return 2;
  }
  Progress prog;
  const auto start = std::chrono::steady_clock::now();
  auto last_print = start - std::chrono::seconds(10);
  std::vector<std::string> signatures;
  // The artifacts libFuzzer names (a crash, a timeout, a leak, an out-of-memory), in the order it named them.
  std::vector<fs::path> named;
  auto on_line = [&](const std::string& line) {
    if (o.verbose) std::fputs(line.c_str(), stdout);
    if (line.rfind("ptcheck signature: ", 0) == 0) signatures.push_back(line.substr(19, line.size() - 20));
    static const std::string kWritten = "Test unit written to ";
    if (const size_t at = line.find(kWritten); at != std::string::npos) {
      std::string path = line.substr(at + kWritten.size());
      while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
      if (is_finding(fs::path(path).filename().string())) named.push_back(path);
    }
    if (!prog.parse(line) || o.verbose) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_print < std::chrono::seconds(5)) return;
    last_print = now;
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - start).count();
    std::printf("  [%3llds] execs %llu  exec/s %llu  cov %llu  ft %llu  corpus %llu\n", (long long)secs,
                (unsigned long long)prog.execs, (unsigned long long)prog.exec_per_s, (unsigned long long)prog.cov,
                (unsigned long long)prog.ft, (unsigned long long)prog.corpus);
    std::fflush(stdout);
  };
  auto stop = [&]() -> std::string {
    if (stop_requested()) return stop_reason();
    return std::chrono::steady_clock::now() >= o.deadline ? "budget" : "";
  };
  std::string stopped;
  const int status = read_until_done(proc, stop, on_line, &stopped);
  if (!stopped.empty()) std::printf("  the fuzzer was stopped (%s)\n", stopped.c_str());
  if (o.outcome) o.outcome->stopped = stopped;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // This run's findings: the artifacts libFuzzer named, and those its fork-mode jobs left in this run's own
  // folder without naming them (-ignore_crashes prints only their ERROR lines). Nobody else writes there.
  std::vector<fs::path> crashes;
  std::set<std::string> seen;
  auto add = [&](const fs::path& p) {
    if (fs::is_regular_file(p, ec) && seen.insert(fs::weakly_canonical(p, ec).string()).second) crashes.push_back(p);
  };
  for (const fs::path& p : named) add(p);
  std::set<std::string> unnamed;
  for (const auto& e : fs::directory_iterator(artifacts, ec))
    if (is_finding(e.path().filename().string())) unnamed.insert(e.path().string());
  for (const std::string& p : unnamed) add(p);
  const size_t corpus_after = regular_files(corpus);

  std::printf("summary: %s, %.0fs: %llu execs (%.0f/s), cov %llu, ft %llu, %zu new corpus entries (%zu in all), "
              "%zu crash(es)\n",
              o.fuzzer.c_str(), secs, (unsigned long long)prog.execs, secs > 0 ? double(prog.execs) / secs : 0.0,
              (unsigned long long)prog.cov, (unsigned long long)prog.ft,
              corpus_after > corpus_before ? corpus_after - corpus_before : 0, corpus_after, crashes.size());
  for (const std::string& sig : signatures) std::printf("  signature: %s\n", sig.c_str());
  for (const fs::path& crash : crashes) {
    if (o.fuzzer == "fuzz_ops") {
      std::string sig = "crash:fuzz_ops (does not reproduce under ptcheck run)";
      const IsolationOptions io = isolation_for_run((work / "target.log").string(), kDefaultOpTimeoutSeconds, &error);
      const std::string repro = write_reproducer(crash, reproducers, target, o.contract, stop().empty(), io, &sig);
      if (repro.empty()) {
        std::printf("  crash %s: does not reproduce under ptcheck run (ptcheck explain --minimize %s)\n",
                    crash.c_str(), crash.c_str());
      } else {
        std::printf("  crash %s -> reproducer %s\n", crash.c_str(), repro.c_str());
        if (!o.save_regressions_dir.empty()) {
          const fs::path saved = fs::path(o.save_regressions_dir) / fs::path(repro).filename();
          fs::copy_file(repro, saved, fs::copy_options::overwrite_existing, ec);
          std::printf("    saved as %s%s\n", saved.c_str(), ec ? (" FAILED: " + ec.message()).c_str() : "");
        }
      }
      const std::string input = repro.empty() ? crash.string() : repro;
      if (o.outcome)
        o.outcome->crashes.push_back(
            {sig, (repro.empty() ? "ptcheck explain --minimize " : "ptcheck run ") + input +
                      (o.target_path.empty() ? "" : " --target " + o.target_path) +
                      (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract))});
    } else {
      std::printf("  crash %s (replay: %s %s)\n", crash.c_str(), bin.c_str(), crash.c_str());
      if (o.outcome) o.outcome->crashes.push_back({"crash:" + o.fuzzer, bin.string() + " " + crash.string()});
    }
  }
  if (o.outcome) o.outcome->execs = prog.execs;
  if (!crashes.empty()) return 1;
  if (stopped.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    const std::string problem = "the fuzzer " + describe_wait_status(status) + " without leaving a crash";
    std::printf("  %s\n", problem.c_str());
    if (o.outcome) o.outcome->problem = problem;
    return 1;
  }
  return 0;
}

}  // namespace ptc::cli
