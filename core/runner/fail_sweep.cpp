#include "core/runner/fail_sweep.h"

#include <algorithm>
#include <variant>

#include "core/fmt.h"
#include "core/ops/op_table.h"
#include "core/script/script.h"

namespace ptc {

std::vector<size_t> fail_sweep_ops(const Script& s) {
  std::vector<size_t> out;
  bool armed = false;  // a `fail alloc` of the script's own waits for the next operation
  for (size_t i = 0; i < s.ops.size(); ++i) {
    const OpKind k = s.ops[i].kind;
    if (k == OpKind::FailAlloc) {
      armed = true;
    } else if (is_target_op(k)) {
      if (!armed) out.push_back(i);
      armed = false;
    }
  }
  return out;
}

namespace {

void drop_expectations(Op* op) {
  op->expect.reset();
  for (Injection& inj : op->inject) inj.op.expect.reset();
}

}  // namespace

FailSweepVariant fail_sweep_variant(const Script& s, size_t op_index, uint64_t n, const std::string& file) {
  FailSweepVariant v;
  v.n = n;
  v.source_line = s.ops.at(op_index).line;
  Script out = s;
  for (size_t i = op_index; i < out.ops.size(); ++i) drop_expectations(&out.ops[i]);
  Op fail;
  fail.kind = OpKind::FailAlloc;
  fail.fail_index = n;
  out.ops.insert(out.ops.begin() + std::ptrdiff_t(op_index), fail);
  // A config without a contract stays without one: the command line's --contract is the run's.
  if (!s.has_contract) out.config.contract = Contract::Spec;
  const std::string where = s.file.empty() ? "<script>" : s.file;
  v.text = fmt("# fail sweep of %s: line %d, `%s`, with its table allocation %llu failing\n", where.c_str(),
               v.source_line, print_statement(s.ops[op_index]).c_str(), static_cast<unsigned long long>(n)) +
           "# (ptcheck run --fail-sweep); the `=> RESULT`s from that statement on are dropped: the reference judges them\n" +
           print_script(out);
  auto parsed = parse_script(v.text, file);
  // print_script's text always parses back to the same script (script.h).
  v.script = std::get<Script>(std::move(parsed));
  v.script.config.contract = s.config.contract;
  v.script.has_contract = s.has_contract;
  v.op_index = op_index + 1;
  v.line = v.script.ops[v.op_index].line;
  return v;
}

bool fail_sweep_reached(const FailSweepVariant& v, const RunResult& r) {
  return std::find(r.failed_allocations.begin(), r.failed_allocations.end(), v.line) != r.failed_allocations.end();
}

}  // namespace ptc
