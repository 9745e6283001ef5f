#include "core/isolation/isolated_run.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <variant>

#include "core/fmt.h"
#include "core/isolation/child_process.h"
#include "core/isolation/frames.h"
#include "core/ops/op_table.h"
#include "core/runner/minimize.h"
#include "core/script/script.h"

namespace ptc {

namespace {

// Field tags of a result frame.
enum Tag : uint8_t {
  kIndex = 1, kSkipped, kSkipReason, kStatements, kSkipLine, kSkipStatement, kSkipWhy,
  kOracle, kLine, kStatement, kMessage, kSignature, kTrace, kReplay, kNote, kNoteBad, kFailedAlloc,
};

std::string encode(size_t index, const RunResult& r, const ChildNote& note) {
  FrameWriter w;
  if (!note.text.empty()) w.str(kNote, note.text).num(kNoteBad, note.bad_input);
  w.num(kIndex, int64_t(index)).num(kSkipped, r.skipped).str(kSkipReason, r.skip_reason).num(kStatements, int64_t(r.statements));
  for (const SkippedStatement& s : r.skipped_statements)
    w.num(kSkipLine, s.line).str(kSkipStatement, s.statement).str(kSkipWhy, s.reason);
  for (int line : r.failed_allocations) w.num(kFailedAlloc, line);
  if (const auto& f = r.failure)
    w.num(kOracle, int64_t(f->oracle)).num(kLine, f->line).str(kStatement, f->statement).str(kMessage, f->message)
        .str(kSignature, f->signature).str(kTrace, f->trace).str(kReplay, f->replay);
  return w.bytes();
}

// False when the frame is malformed (the child wrote something else: it is treated as dead).
bool decode(const std::string& frame, size_t* index, RunResult* r, ChildNote* note) {
  FrameReader rd(frame);
  uint8_t tag;
  std::string_view v;
  bool has_index = false;
  while (rd.next(&tag, &v)) {
    const auto n = FrameReader::as_num(v);
    switch (Tag(tag)) {
      case kIndex:
        if (!n) return false;
        *index = size_t(*n), has_index = true;
        break;
      case kNote: note->text = v; break;
      case kNoteBad: note->bad_input = n && *n; break;
      case kSkipped: r->skipped = n && *n; break;
      case kSkipReason: r->skip_reason = v; break;
      case kStatements: r->statements = n ? size_t(*n) : 0; break;
      case kSkipLine: r->skipped_statements.push_back({n ? int(*n) : 0, "", ""}); break;
      case kSkipStatement:
        if (r->skipped_statements.empty()) return false;
        r->skipped_statements.back().statement = v;
        break;
      case kSkipWhy:
        if (r->skipped_statements.empty()) return false;
        r->skipped_statements.back().reason = v;
        break;
      case kFailedAlloc:
        if (!n) return false;
        r->failed_allocations.push_back(int(*n));
        break;
      case kOracle:
        if (!n || *n < 1 || *n > kOracleCount) return false;
        r->failure.emplace().oracle = Oracle(*n);
        break;
      case kLine:
      case kStatement:
      case kMessage:
      case kSignature:
      case kTrace:
      case kReplay: {
        if (!r->failure) return false;
        Failure& f = *r->failure;
        if (tag == kLine) f.line = n ? int(*n) : 0;
        if (tag == kStatement) f.statement = v;
        if (tag == kMessage) f.message = v;
        if (tag == kSignature) f.signature = v;
        if (tag == kTrace) f.trace = v;
        if (tag == kReplay) f.replay = v;
        break;
      }
      default: return false;
    }
  }
  return has_index && !rd.bad();
}

// The statement (top-level or injected) at `line`, or nullptr.
const Op* statement_at(const Script& s, int line) {
  for (const Op& op : s.ops) {
    if (op.line == line) return &op;
    for (const Injection& inj : op.inject)
      if (inj.op.line == line) return &inj.op;
  }
  return nullptr;
}

// The lines Session::step gives statements that have none: the next line after the statement before
// (and its injections), then each injection the line after that.
void number_statements(Script* s) {
  for (size_t i = 0; i < s->ops.size(); ++i) {
    Op& op = s->ops[i];
    if (op.line == 0)
      op.line = i == 0 ? 1 : s->ops[i - 1].line + 1 + int(s->ops[i - 1].inject.size());
    int l = op.line;
    for (Injection& inj : op.inject)
      if (inj.op.line == 0) inj.op.line = ++l;
  }
}

}  // namespace

std::string death_excerpt(const IsolationOptions& io, const ItemOutcome& item) {
  return io.log_path.empty() ? "" : log_excerpt(io.log_path, item.log_from);
}

Failure failure_of_dead_child(const Script& script, const ptc_target_ops* target, const RunOptions& opts,
                              const ChildEnd& end, const std::string& excerpt, const IsolationOptions& io) {
  const std::string& log_path = io.log_path;
  Failure f;
  f.oracle = death_oracle(end, excerpt);
  const Op* op = end.entry == WatchedEntry::kOp ? statement_at(script, end.line) : nullptr;
  f.line = op ? op->line : 0;
  f.statement = op ? print_statement(*op) : end.entry == WatchedEntry::kDestroy ? "(destroy)" : end.entry == WatchedEntry::kCreate ? "(create)" : "(end of script)";
  const char* entry = op ? op_name(op->kind)
                     : end.entry == WatchedEntry::kCreate ? "create"
                     : end.entry == WatchedEntry::kRoot ? "root"
                     : end.entry == WatchedEntry::kDestroy ? "destroy"
                     : end.entry == WatchedEntry::kOp ? "op"
                                                       : "ptcheck";
  f.signature = std::string(oracle_name(f.oracle)) + ":" + entry + ":" + config_signature(script.config);
  const std::string where_in = end.entry == WatchedEntry::kNone
                                   ? "outside the target, in ptcheck's own code after line " + std::to_string(end.line) +
                                         " (a bug of ptcheck: please report it with this script)"
                                   : op ? fmt("in `%s` (line %d)", print_statement(*op).c_str(), op->line)
                                        : std::string("in its ") + entry + "()";
  if (end.how == ChildEnd::How::kHung)
    f.message = fmt("the target did not return %s within %g s (it had used %.1f s of CPU time in %.1f s when it "
                    "was stopped; --op-timeout raises the limit for an operation that is only slow)",
                    where_in.c_str(), io.op_timeout_s, end.in_target_cpu_s, end.in_target_s);
  else
    f.message = "the target died (" + std::string(holds_sanitizer_report(excerpt) ? "a sanitizer's report, then " : "") +
                describe_death(end) +
                ") " + where_in;
  const std::string file = script.file.empty() ? "<script>" : script.file;
  std::string t = fmt("ptcheck: FAIL %s at %s:%d (target %s, contract %s)\n", oracle_name(f.oracle), file.c_str(),
                      f.line, target->name ? target->name : "?", contract_name(script.config.contract));
  t += "  signature: " + f.signature + "\n";
  t += "  script up to the statement that was running:\n";
  t += "        " + print_config(script.config) + "\n";
  for (const Op& s : script.ops) {
    const bool here = op == &s;
    t += fmt("  %s %4d  %s\n", here ? ">" : " ", s.line, print_statement(s).c_str());
    bool inj_here = false;
    for (const Injection& inj : s.inject) {
      inj_here |= &inj.op == op;
      t += fmt("  %s %4d    @%llu %s\n", &inj.op == op ? ">" : " ", inj.op.line, (unsigned long long)inj.after_access,
               print_statement(inj.op).c_str());
    }
    if (op && (here || inj_here)) break;
  }
  t += "  what is wrong: " + f.message + "\n";
  if (!excerpt.empty()) {
    t += "  the target's output (" + log_path + "), from where this script began:\n";
    size_t from = 0;
    while (from < excerpt.size()) {
      const size_t nl = excerpt.find('\n', from);
      t += "    " + excerpt.substr(from, nl - from) + "\n";
      from = nl == std::string::npos ? excerpt.size() : nl + 1;
    }
  }
  f.replay = "ptcheck run " + file + (opts.replay_args.empty() ? "" : " " + opts.replay_args);
  t += "  replay: " + f.replay + "\n";
  f.trace = t;
  return f;
}

void run_items_isolated(size_t n, const std::function<std::string(size_t index, ChildChannel& ch)>& run_one,
                        const IsolationOptions& io, const std::function<void(size_t index, ItemOutcome&& r)>& on_item) {
  ChildOptions co;
  co.log_path = io.log_path;
  co.op_timeout_s = io.op_timeout_s;
  co.deadline = io.deadline;
  co.should_stop = io.should_stop;
  auto log_now = [&] { return io.log_path.empty() ? 0 : log_size(io.log_path); };
  size_t next = 0;
  uint64_t log_mark = log_now();
  auto deliver = [&](ItemOutcome&& r, std::optional<uint64_t> log_end = std::nullopt) {
    r.log_from = log_mark;
    r.log_to = log_end ? *log_end : log_now();
    r.warnings = io.log_path.empty() ? 0 : count_warnings(io.log_path, r.log_from, r.log_to);
    log_mark = r.log_to;
    on_item(next++, std::move(r));
  };
  auto not_run_from_next = [&] {
    while (next < n) {
      ItemOutcome r;
      r.run = false;
      on_item(next++, std::move(r));
    }
  };
  while (next < n) {
    if (std::chrono::steady_clock::now() >= io.deadline || (io.should_stop && io.should_stop())) return not_run_from_next();
    const size_t first = next;
    bool garbled = false;
    const ChildEnd end = run_in_child(
        [&](ChildChannel& ch) {
          for (size_t i = first; i < n; ++i) {
            ch.watch()->unit.store(i);
            ch.watch()->line.store(0);
            std::string payload = run_one(i, ch);
            // Where the item's output ends in the log, as the child sees it: the parent may read this frame
            // only after the child has printed the next item's lines.
            std::fflush(nullptr);
            struct stat st;
            const int64_t log_end = !io.log_path.empty() && fstat(2, &st) == 0 ? int64_t(st.st_size) : -1;
            if (!ch.send(FrameWriter().num(0, int64_t(i)).str(1, payload).num(2, log_end).bytes())) return;
          }
        },
        [&](const std::string& frame) {
          FrameReader rd(frame);
          uint8_t tag_i = 0, tag_p = 0, tag_l = 0;
          std::string_view index, payload, log_end;
          if (garbled || !rd.next(&tag_i, &index) || !rd.next(&tag_p, &payload) || !rd.next(&tag_l, &log_end) ||
              tag_i != 0 || tag_p != 1 || tag_l != 2 || FrameReader::as_num(index) != int64_t(next)) {
            garbled = true;
            return;
          }
          ItemOutcome r;
          r.payload = std::string(payload);
          const int64_t end = FrameReader::as_num(log_end).value_or(-1);
          deliver(std::move(r), end >= int64_t(log_mark) ? std::optional<uint64_t>(uint64_t(end)) : std::nullopt);
        },
        co);
    if (next == n && !garbled) return;
    if (end.how == ChildEnd::How::kStopped) return not_run_from_next();
    if (end.ok() && !garbled && next > first) continue;  // its send failed: a new child takes the rest
    // The child died (or garbled its results) during item `next`: that is the item's outcome.
    ItemOutcome r;
    r.death = end;
    deliver(std::move(r));
  }
}

void run_scripts_isolated(const std::vector<Script>& given, const ptc_target_ops* target, const RunOptions& opts,
                          const IsolationOptions& io,
                          const std::function<void(size_t index, IsolatedResult&& r)>& on_result,
                          const std::function<ChildNote(size_t index, const RunResult& r)>& in_child) {
  // Statements without a line (a decoded fuzzer input) get the lines the runner would give them, here,
  // so that the parent can name the statement a dead child's watch points at.
  std::vector<Script> scripts = given;
  for (Script& s : scripts) number_statements(&s);
  run_items_isolated(
      scripts.size(),
      [&](size_t i, ChildChannel& ch) {
        RunOptions ro = opts;
        ro.watch = ch.watch();
        ro.target_warned = warnings_since_last_call();
        const RunResult r = run_script(scripts[i], target, ro);
        const ChildNote note = in_child ? in_child(i, r) : ChildNote{};
        return encode(i, r, note);
      },
      io,
      [&](size_t i, ItemOutcome&& item) {
        IsolatedResult r;
        r.run = item.run;
        r.log_from = item.log_from;
        r.log_to = item.log_to;
        r.warnings = item.warnings;
        size_t index = 0;
        if (item.payload && (!decode(*item.payload, &index, &r.result, &r.note) || index != i)) {
          // Not what a child of ptcheck writes: treat it as the child's death.
          r.result = RunResult{};
          item.death = ChildEnd{};
          item.death->how = ChildEnd::How::kDied;
        }
        if (item.death)
          r.result.failure = failure_of_dead_child(scripts[i], target, opts, *item.death, death_excerpt(io, item), io);
        on_result(i, std::move(r));
      });
}

IsolatedResult run_script_isolated(const Script& script, const ptc_target_ops* target, const RunOptions& opts,
                                   const IsolationOptions& io) {
  IsolatedResult out;
  out.run = false;
  run_scripts_isolated({script}, target, opts, io, [&](size_t, IsolatedResult&& r) { out = std::move(r); });
  return out;
}

std::string isolated_signature(const Script& script, const ptc_target_ops* target, const RunOptions& opts,
                               const IsolationOptions& io) {
  const IsolatedResult r = run_script_isolated(script, target, opts, io);
  return r.result.failure ? r.result.failure->signature : std::string();
}

Script minimize_isolated(const Script& s, const ptc_target_ops* target, const RunOptions& opts,
                         const IsolationOptions& io, const std::string& sig) {
  const bool death = sig.rfind(std::string(oracle_name(Oracle::Crash)) + ":", 0) == 0 ||
                     sig.rfind(std::string(oracle_name(Oracle::MemoryError)) + ":", 0) == 0 ||
                     sig.rfind(std::string(oracle_name(Oracle::Hang)) + ":", 0) == 0;
  if (!death) {
    std::optional<Script> small;
    run_items_isolated(
        1,
        [&](size_t, ChildChannel& ch) {
          RunOptions ro = opts;
          ro.watch = ch.watch();
          auto in_this_child = [&](const Script& c) {
            const RunResult r = run_script(c, target, ro);
            return r.failure ? r.failure->signature : std::string();
          };
          return print_script(minimize_failure(s, in_this_child, sig));
        },
        io,
        [&](size_t, ItemOutcome&& o) {
          if (!o.payload) return;
          auto parsed = parse_script(*o.payload, s.file);
          if (auto* p = std::get_if<Script>(&parsed)) small = std::move(*p);
        });
    if (small) return *small;
  }
  return minimize_failure(s, [&](const Script& c) { return isolated_signature(c, target, opts, io); }, sig);
}

}  // namespace ptc
