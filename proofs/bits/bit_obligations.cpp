#include "proofs/bits/bit_obligations.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/bitmap/bitmap_math.h"
#include "core/lpae/lpae_bits.h"
#include "proofs/bits/reference_bits.h"
#include "proofs/smt/bv64.h"
#include "proofs/smt/reduce.h"

namespace ptc::proofs {

namespace {

namespace lb = ptc::lpae_bits;
namespace bm = ptc::bitmap_math;

// One equality to prove: for every value of `inputs` satisfying `pre`, shipped == reference.
struct Equiv {
  std::string what;
  std::vector<z3::expr> inputs;
  std::vector<std::string> input_names;
  z3::expr pre, shipped, reference;
  // A case split of `pre` (checked to cover it), one query per case: a constant shift or a fixed highest bit
  // makes each query small, where one query over all of them bit-blasts every shift amount at once.
  std::vector<z3::expr> cases = {};
  // The goal split instead: one query per result bit j, "bit j differs" (their disjunction is "differs").
  bool per_bit = false;
};

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// Whether this build checks the shipped templates or the obligation's known-bad mutation.
enum class Impl { kShipped, kBad };

using Builder = std::vector<Equiv> (*)(z3::context&, Impl);

Result check_all(const std::string& name, const std::string& statement, Builder build, Impl impl, unsigned timeout_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  Result r;
  r.name = name;
  r.statement = statement;
  r.bound = "all 2^64 values of each input (bit-vector theory)";
  z3::context c;
  std::vector<Equiv> checks = build(c, impl);
  r.verdict = Verdict::kProved;
  for (Equiv& e : checks) {
    const auto t_check = std::chrono::steady_clock::now();
    // A solver for the quantifier-free bit-vector logic (bit-blasting to SAT after simplification): the
    // general-purpose solver's incremental mode is several times slower on these equalities.
    auto solver = [&]() {
      z3::solver s(c, "QF_BV");
      z3::params p(c);
      p.set("timeout", timeout_ms);
      s.set(p);
      return s;
    };
    if (!e.cases.empty()) {  // the split must cover the precondition
      z3::solver cover = solver();
      z3::expr_vector any(c);
      for (const z3::expr& k : e.cases) any.push_back(k);
      cover.add(e.pre && !z3::mk_or(any));
      if (cover.check() != z3::unsat) {
        r.verdict = Verdict::kUnknown;
        r.note = e.what + ": the case split does not cover the precondition";
        break;
      }
    }
    std::vector<z3::expr> cases = e.cases;
    if (cases.empty()) cases.push_back(c.bool_val(true));
    z3::check_result cr = z3::unsat;
    std::optional<z3::solver> failing;
    std::vector<z3::expr> goals;
    if (e.per_bit)
      for (unsigned j = 0; j < 64; ++j) goals.push_back(e.shipped.extract(j, j) != e.reference.extract(j, j));
    else
      goals.push_back(e.shipped != e.reference);
    for (size_t n = 0; n < cases.size() * goals.size(); ++n) {
      z3::solver s = solver();
      s.add(e.pre && cases[n % cases.size()] && goals[n / cases.size()]);
      cr = s.check();
      if (cr != z3::unsat) {
        failing.emplace(s);
        break;
      }
    }
    if (std::getenv("PTC_PROVE_DEBUG"))
      std::fprintf(stderr, "%s: %zu quer(ies), %.2fs\n", e.what.c_str(), cases.size() * (e.per_bit ? 64 : 1),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t_check).count());
    if (cr == z3::unsat) continue;
    z3::solver& s = *failing;
    if (cr == z3::unknown) {
      r.verdict = Verdict::kUnknown;
      r.note = e.what + ": " + s.reason_unknown();
      break;
    }
    const z3::model m = reduce_model(s, e.inputs);
    r.verdict = Verdict::kRefuted;
    std::string cx = "  " + e.what + " differs from its reference for\n";
    for (size_t i = 0; i < e.inputs.size(); ++i) cx += "    " + e.input_names[i] + " = " + hex(model_u64(m, e.inputs[i])) + "\n";
    cx += "    shipped   = " + hex(model_u64(m, e.shipped)) + "\n";
    cx += "    reference = " + hex(model_u64(m, e.reference)) + "\n";
    r.counterexample = cx;
    break;
  }
  r.note += (r.note.empty() ? "" : "; ") + std::to_string(checks.size()) + " equalities";
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

z3::expr tru(z3::context& c) { return c.bool_val(true); }

Equiv eq(const std::string& what, std::vector<Bv64> in, std::vector<std::string> names, z3::expr pre, const Bv64& shipped,
         const z3::expr& reference) {
  std::vector<z3::expr> ins;
  for (const Bv64& b : in) ins.push_back(b.expr());
  return Equiv{what, ins, names, pre, shipped.expr(), reference};
}

// ---- lpae_bits ----

std::vector<Equiv> level_index_checks(z3::context& c, Impl impl) {
  std::vector<Equiv> out;
  const Bv64 iova = Bv64::var(c, "iova");
  // Every (shift, table size) the table uses: L3..L0 tables of 512 entries and the roots for each ias.
  const struct { unsigned shift, bits; } uses[] = {{12, 9}, {21, 9}, {30, 9}, {39, 9}, {30, 2}, {30, 6}, {39, 3}};
  for (auto u : uses) {
    const unsigned shift = impl == Impl::kBad ? u.shift + 1 : u.shift;  // bad: off by one level bit
    const Bv64 shipped = lb::level_index<Bv64>(iova, shift, (uint64_t{1} << u.bits) - 1);
    out.push_back(eq("level_index(iova, shift " + std::to_string(u.shift) + ", " + std::to_string(1u << u.bits) + " entries)",
                     {iova}, {"iova"}, tru(c), shipped, ref::level_index(iova.expr(), u.shift, u.bits)));
  }
  return out;
}

std::vector<Equiv> encode_checks(z3::context& c, Impl impl) {
  std::vector<Equiv> out;
  const Bv64 oa = Bv64::var(c, "oa"), addr = Bv64::var(c, "addr");
  for (unsigned level = 1; level <= 3; ++level) {
    const unsigned shift = 12 + 9 * (3 - level);
    for (unsigned f = 0; f < 8; ++f) {
      const bool writable = f & 1, hw_dirty = f & 2, dirty = f & 4;
      // bad: the leaf without its access flag (test-only broken target map_no_af).
      const uint64_t attrs = lb::leaf_attrs(level == 3, writable, hw_dirty, dirty, /*no_af=*/impl == Impl::kBad);
      const Bv64 shipped = lb::leaf_desc<Bv64>(oa, shift, attrs);
      out.push_back(eq("leaf_desc(oa, L" + std::to_string(level) + (writable ? ", writable" : ", read-only") +
                           (hw_dirty ? ", hw_dirty" : "") + (dirty ? ", dirty" : ", clean") + ")",
                       {oa}, {"oa"}, tru(c), shipped, ref::leaf_desc(oa.expr(), shift, level == 3, writable, hw_dirty, dirty)));
    }
  }
  out.push_back(eq("table_desc(addr)", {addr}, {"addr"}, tru(c), lb::table_desc<Bv64>(addr), ref::table_desc(addr.expr())));
  return out;
}

std::vector<Equiv> decode_checks(z3::context& c, Impl impl) {
  std::vector<Equiv> out;
  const Bv64 d = Bv64::var(c, "desc");
  for (unsigned shift : {12u, 21u, 30u})
    out.push_back(eq("leaf_output(desc, size 2^" + std::to_string(shift) + ")", {d}, {"desc"}, tru(c),
                     lb::leaf_output<Bv64>(d, shift), ref::leaf_output(d.expr(), shift)));
  out.push_back(eq("is_valid(desc)", {d}, {"desc"}, tru(c), lb::is_valid<Bv64>(d), ref::is_valid(d.expr())));
  out.push_back(eq("is_table_above_l3(desc)", {d}, {"desc"}, tru(c), lb::is_table_above_l3<Bv64>(d),
                   ref::is_table_above_l3(d.expr())));
  // bad: writable-dirty tested by DBM alone (test-only broken target dirty_records_clean).
  const Bv64 wd = impl == Impl::kBad ? (d >> 51) & 1 : lb::is_writable_dirty<Bv64>(d);
  out.push_back(eq("is_writable_dirty(desc)", {d}, {"desc"}, tru(c), wd, ref::is_writable_dirty(d.expr())));
  out.push_back(eq("is_read_only(desc)", {d}, {"desc"}, tru(c), lb::is_read_only<Bv64>(d), ref::is_read_only(d.expr())));
  return out;
}

std::vector<Equiv> pgsize_checks(z3::context& c, Impl impl) {
  const Bv64 iova = Bv64::var(c, "iova"), paddr = Bv64::var(c, "paddr"), rem = Bv64::var(c, "remaining"),
             sizes = Bv64::var(c, "pgsizes");
  // bad: paddr's alignment ignored (test-only broken target pgsize_no_align).
  const Bv64 shipped = lb::choose_leaf_size<Bv64>(iova, impl == Impl::kBad ? iova : paddr, rem, sizes);
  // remaining >= 1: map never asks for a leaf with nothing left.
  Equiv e = eq("choose_leaf_size(iova, paddr, remaining, pgsizes)", {iova, paddr, rem, sizes},
               {"iova", "paddr", "remaining", "pgsizes"}, rem.expr() != c.bv_val(0, 64), shipped,
               ref::choose_leaf_size(iova.expr(), paddr.expr(), rem.expr(), sizes.expr()));
  e.per_bit = true;  // one query for all 64 result bits does not finish within its timeout on a loaded machine
  return {e};
}

// ---- bitmap_math ----

std::vector<Equiv> bitmap_index_checks(z3::context& c, Impl impl) {
  const Bv64 iova = Bv64::var(c, "iova"), base = Bv64::var(c, "base"), shift = Bv64::var(c, "pgshift"),
             bit = Bv64::var(c, "bit");
  const z3::expr shift_ok = z3::ult(shift.expr(), c.bv_val(64, 64));
  // bad: the word of a bit computed as bit / 32.
  const Bv64 word = impl == Impl::kBad ? bit >> 5 : bm::word_index<Bv64>(bit);
  return {
      eq("page_index(iova, base, pgshift)", {iova, base, shift}, {"iova", "base", "pgshift"},
         shift_ok && z3::uge(iova.expr(), base.expr()), bm::page_index<Bv64>(iova, base, shift),
         ref::page_index(iova.expr(), base.expr(), shift.expr())),
      eq("word_index(bit)", {bit}, {"bit"}, tru(c), word, ref::word_index(bit.expr())),
      eq("bit_in_word(bit)", {bit}, {"bit"}, tru(c), bm::bit_in_word<Bv64>(bit), ref::bit_in_word(bit.expr())),
      eq("byte_index(bit)", {bit}, {"bit"}, tru(c), bm::byte_index<Bv64>(bit), ref::byte_index(bit.expr())),
  };
}

std::vector<Equiv> bitmap_mask_checks(z3::context& c, Impl impl) {
  const Bv64 first = Bv64::var(c, "first"), last = Bv64::var(c, "last"), w = Bv64::var(c, "word"), k = Bv64::var(c, "k");
  const Bv64 ones = ~(first ^ first);
  // bad: the last word's mask as ones >> (64 - last mod 64) -- a shift by 64 when last mod 64 is 0.
  const Bv64 last_mask = impl == Impl::kBad ? ones >> ((~(last ^ last) & 64) - (last & 63)) : bm::last_word_mask<Bv64>(last);
  const z3::expr same_word = bm::word_index<Bv64>(first).expr() == bm::word_index<Bv64>(last).expr();
  return {
      eq("bit_in_byte_mask(bit)", {first}, {"bit"}, tru(c), bm::bit_in_byte_mask<Bv64>(first), ref::bit_in_byte_mask(first.expr())),
      eq("bit_in_word_mask(bit)", {first}, {"bit"}, tru(c), bm::bit_in_word_mask<Bv64>(first), ref::bit_in_word_mask(first.expr())),
      eq("first_word_mask(first)", {first}, {"first"}, tru(c), bm::first_word_mask<Bv64>(first), ref::first_word_mask(first.expr())),
      eq("last_word_mask(last)", {last}, {"last"}, tru(c), last_mask, ref::last_word_mask(last.expr())),
      eq("range_word_mask(first, last)", {first, last}, {"first", "last"},
         same_word && z3::ule(first.expr(), last.expr()), bm::range_word_mask<Bv64>(first, last),
         ref::range_word_mask(first.expr(), last.expr())),
      eq("byte_of_word(word, k)", {w, k}, {"word", "k"}, z3::ult(k.expr(), c.bv_val(8, 64)), bm::byte_of_word<Bv64>(w, k),
         ref::byte_of_word(w.expr(), k.expr())),
  };
}

Equiv pages_covering_check(z3::context& c, const Bv64& len, const Bv64& shift) {
  Equiv e = eq("pages_covering(length, pgshift)", {len, shift}, {"length", "pgshift"}, z3::ult(shift.expr(), c.bv_val(64, 64)),
               bm::pages_covering<Bv64>(len, shift), ref::pages_covering(len.expr(), shift.expr()));
  for (unsigned k = 0; k < 64; ++k) e.cases.push_back(shift.expr() == c.bv_val(k, 64));
  return e;
}

std::vector<Equiv> bitmap_range_checks(z3::context& c, Impl impl) {
  const Bv64 a = Bv64::var(c, "addr"), len = Bv64::var(c, "len"), shift = Bv64::var(c, "pgshift");
  // bad: the last address without saturation (wraps at 2^64).
  const Bv64 last = impl == Impl::kBad ? a + (len - 1) : bm::saturating_last<Bv64>(a, len);
  return {
      eq("add_carry(a, b)", {a, len}, {"a", "b"}, tru(c), bm::add_carry<Bv64>(a, len), ref::add_carry(a.expr(), len.expr())),
      eq("saturating_last(addr, len)", {a, len}, {"addr", "len"}, len.expr() != c.bv_val(0, 64), last,
         ref::saturating_last(a.expr(), len.expr())),
      pages_covering_check(c, len, shift),
  };
}

struct BitObligation {
  const char* name;
  const char* statement;
  const char* bad_name;
  const char* bad_statement;
  Builder build;
};

const BitObligation kBitObligations[] = {
    {"bits.level-index", "lpae_bits::level_index (the table's index()) equals iova bits [shift+n-1:shift] for every level and root size",
     "bad.bits.level-index-off-by-one", "an index taken one bit too high", level_index_checks},
    {"bits.descriptor-encode", "lpae_bits::leaf_desc/leaf_attrs/table_desc (make_leaf, make_table_desc) equal SPEC section 2's bit layout",
     "bad.bits.leaf-without-af", "leaves encoded without AF (broken target map_no_af)", encode_checks},
    {"bits.descriptor-decode", "lpae_bits::leaf_output and the valid/table/writable-dirty/read-only tests equal SPEC section 2",
     "bad.bits.dirty-by-dbm-alone", "writable-dirty tested by DBM alone (broken target dirty_records_clean)", decode_checks},
    {"bits.page-size-choice", "lpae_bits::choose_leaf_size equals Linux's iommu_pgsize (largest allowed, aligned, fitting size)",
     "bad.bits.pgsize-ignores-paddr", "leaf size chosen from iova alignment only (broken target pgsize_no_align)", pgsize_checks},
    {"bits.bitmap-indices", "bitmap_math page/word/bit/byte indices equal division and remainder",
     "bad.bits.word-index-by-32", "the word of a bit computed as bit / 32", bitmap_index_checks},
    {"bits.bitmap-word-masks", "bitmap_math word and byte masks (the windowed writer's) equal their bit-by-bit definitions",
     "bad.bits.last-mask-shift-by-64", "the last word's mask as ones >> (64 - last%64)", bitmap_mask_checks},
    {"bits.bitmap-range-arithmetic", "bitmap_math add_carry, saturating_last and pages_covering equal wide arithmetic",
     "bad.bits.last-address-wraps", "the last address of a record computed without saturation", bitmap_range_checks},
};

}  // namespace

std::vector<Obligation> bit_obligations() {
  std::vector<Obligation> out;
  for (const BitObligation& b : kBitObligations) {
    out.push_back({b.name, b.statement, false, 20000, [b](const ProveTarget&, unsigned ms) {
                     return check_all(b.name, b.statement, b.build, Impl::kShipped, ms);
                   }});
  }
  for (const BitObligation& b : kBitObligations) {
    const std::string statement = std::string(b.bad_statement) + " is refuted by " + b.name;
    out.push_back({b.bad_name, statement, true, 20000, [b, statement](const ProveTarget&, unsigned ms) {
                     return check_all(b.bad_name, statement, b.build, Impl::kBad, ms);
                   }});
  }
  return out;
}

}  // namespace ptc::proofs
