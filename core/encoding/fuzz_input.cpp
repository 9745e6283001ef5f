#include "core/ops/op_table.h"
#include "core/encoding/fuzz_input.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "core/script/script.h"

namespace ptc {

namespace {

// Reads the input front to back; past its end every read is zero, so every input decodes.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  bool done() const { return i_ >= n_; }
  uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
  uint16_t u16() { return uint16_t(u8() | (u8() << 8)); }
  uint32_t u32() { return uint32_t(u16()) | (uint32_t(u16()) << 16); }
  uint64_t u64() { return uint64_t(u32()) | (uint64_t(u32()) << 32); }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t i_ = 0;
};

constexpr uint64_t kPickSizes[16] = {kSize4K,           2 * kSize4K,       4 * kSize4K,       0 /* n pages */,
                                     kSize2M,           2 * kSize2M,       kSize2M - kSize4K, kSize2M + kSize4K,
                                     kSize1G,           kSize1G + kSize2M, 0 /* n blocks */,  0 /* zero */,
                                     0 /* unaligned */, 16 * kSize4K,      2 * kSize1G,       128 * kSize4K};


// At most how many leaves an op can create: what makes an input slow (a 1G split makes 262144, and
// so does a 1G map where the config has no 2M pages or the addresses are not 2M-aligned).
uint64_t leaf_cost(const Op& op, uint64_t pgsizes) {
  const uint64_t pages = op.size / kSize4K;
  if (op.kind == OpKind::Split) return pages;
  if (op.kind != OpKind::Map) return 0;
  if ((pgsizes & kSize2M) && ((op.iova | op.paddr) & (kSize2M - 1)) == 0) return std::max<uint64_t>(1, op.size / kSize2M);
  return pages;
}

class Decoder {
 public:
  Decoder(const uint8_t* data, size_t size, const FuzzLimits& lim) : r_(data, size), lim_(lim) {}

  Script decode() {
    Script s;
    s.has_config = true;
    s.file = "<fuzz input>";
    // The encoding version: an input decodes with every addition up to its version (fuzz_input.h), so
    // a version-1 input keeps its meaning.
    version_ = r_.u8();
    const uint8_t c = r_.u8();
    static constexpr unsigned kIas[5] = {48, 39, 32, 42, 36};
    cfg_.ias = kIas[(c & 7) % 5];
    cfg_.bbml = ((c >> 3) & 3) % 3;
    cfg_.hw_dirty = !(c & 0x20);
    cfg_.lazy = c & 0x40;
    const uint8_t g = r_.u8();
    cfg_.pgsizes = kSize4K | ((g & 1) ? 0 : kSize2M) | ((g & 2) ? 0 : kSize1G);
    cfg_.oas = std::max(cfg_.ias <= 32 ? 32u : cfg_.ias - 8, 48u - ((g >> 2) & 15));
    s.config = cfg_;
    while (!r_.done() && s.ops.size() < lim_.max_statements) {
      // A byte that is no op id (yet) is skipped, so old inputs keep their meaning.
      const std::optional<OpKind> k = kind_of_id(r_.u8());
      if (!k) continue;
      std::optional<Op> op = decode_op(*k, nullptr);
      if (op) s.ops.push_back(std::move(*op));
    }
    return s;
  }

 private:
  uint64_t top() const { return 1ull << cfg_.ias; }

  uint64_t remember(uint64_t a) {
    if (recent_.size() == 8) recent_.erase(recent_.begin());
    recent_.push_back(a);
    return a;
  }

  // An IOVA: region bases, 2M/1G boundaries, the top of the IAS and earlier addresses come up often.
  uint64_t addr() {
    const uint8_t sel = r_.u8();
    uint64_t a = 0;
    switch (sel % 8) {
      case 0:
      case 1:
        a = (uint64_t(r_.u8() % 8) << 30) + (uint64_t(r_.u8() % 8) << 21) + (uint64_t(r_.u8() % 4) << 12);
        break;
      case 2: {
        static constexpr uint64_t kBelowTop[3] = {kSize4K, kSize2M, kSize1G};
        const uint8_t k = r_.u8() % 4;
        a = top() - (k < 3 ? kBelowTop[k] : (uint64_t(r_.u8()) + 1) * kSize4K);
        break;
      }
      case 3:
      case 4: {
        static constexpr int64_t kNear[4] = {0, int64_t(kSize4K), int64_t(kSize2M), -int64_t(kSize4K)};
        a = recent_.empty() ? kSize1G : recent_[r_.u8() % recent_.size()] + uint64_t(kNear[r_.u8() % 4]);
        break;
      }
      case 5: a = kSize1G + (uint64_t(r_.u16()) << 12); break;
      case 6: a = uint64_t(r_.u32()) << 12; break;
      default: return remember(r_.u64() % top());  // anything, unaligned included: the -EINVAL paths
    }
    return remember(a & (top() - 1));
  }

  uint64_t size() {
    const uint8_t sel = r_.u8() % 16;
    switch (sel) {
      case 3: return (uint64_t(r_.u8() % 64) + 1) * kSize4K;
      case 10: return (uint64_t(r_.u8() % 8) + 1) * kSize2M;
      case 11: return 0;
      case 12: return r_.u16();
      default: return kPickSizes[sel];
    }
  }

  // An output address for a map of `size` at `iova`: often as aligned as the iova, sometimes not.
  uint64_t out_addr(uint64_t iova) {
    const uint64_t out_top = 1ull << cfg_.oas;
    switch (r_.u8() % 4) {
      case 0: return iova % out_top;
      case 1: return (iova + (uint64_t(r_.u8() % 4) << 30)) % out_top;
      case 2: return (uint64_t(r_.u16()) << 21) % out_top;
      default: return (uint64_t(r_.u32()) << 12) % out_top;
    }
  }

  void dirty_options(Op& op) {
    const uint8_t f = r_.u8();
    static constexpr uint64_t kBitmap[8] = {kSize4K, kSize4K, 2 * kSize4K, 16 * kSize4K, kSize2M, kSize1G, kSize4K, 4 * kSize4K};
    op.noclear = op.kind == OpKind::Dirty && (f & 1);
    op.bitmap_pgsize = kBitmap[(f >> 1) & 7];
    // misalign is the caller's bitmap's distance from a page boundary (SPEC 7). Version 2 on, bit 7 puts
    // it far into the page, mostly its last bytes (iommufd's selftests use 0xff1), where a page-sized
    // window holds only the bitmap's first few bytes; version 1 ignored the bit.
    static constexpr unsigned kFarIntoPage[8] = {0xff1, 0xfff, 0xff8, 0xff9, 0xffc, 0xffe, 0xf09, 0x80b};
    const unsigned m = (f >> 4) & 7;
    op.misalign = version_ >= 2 && (f & 0x80) ? kFarIntoPage[m] : m;
    // Keep the caller's bitmap small: coarser bitmap pages for large ranges.
    while (op.bitmap_pgsize < kSize1G && op.size / op.bitmap_pgsize / 8 > lim_.max_bitmap_bytes) op.bitmap_pgsize <<= 1;
  }

  DevKind dev_kind() { return DevKind(r_.u8() % 5 + 1); }

  // One op of kind `k`; nullopt for an op the limits (or the outer op) exclude.
  std::optional<Op> decode_op(OpKind k, const Op* outer) {
    Op op;
    op.kind = k;
    switch (k) {
      case OpKind::Map:
        op.iova = addr();
        op.size = size();
        op.paddr = out_addr(op.iova);
        op.prot = std::array<unsigned, 8>{3, 3, 3, 3, 1, 1, 1, 2}[r_.u8() % 8];  // mostly rw, some r, rarely no READ
        if (mapped_ + op.size > lim_.max_mapped || leaves_ + leaf_cost(op, cfg_.pgsizes) > lim_.max_leaves) return std::nullopt;
        break;
      case OpKind::Unmap:
      case OpKind::Merge:
        op.iova = addr();
        op.size = size();
        break;
      case OpKind::Split:
        op.iova = addr();
        op.size = size();
        if (op.size >= kSize1G && big_splits_ >= lim_.max_big_splits) op.size = kSize2M;
        if (leaves_ + leaf_cost(op, cfg_.pgsizes) > lim_.max_leaves) op.size = std::min<uint64_t>(op.size, kSize2M);
        if (leaves_ + leaf_cost(op, cfg_.pgsizes) > lim_.max_leaves) return std::nullopt;
        break;
      case OpKind::Dirty:
      case OpKind::UnmapDirty:
        op.iova = addr();
        op.size = size();
        dirty_options(op);
        break;
      case OpKind::Flush: break;
      case OpKind::Phys: op.iova = addr() + (r_.u8() % 4) * 0x400; break;
      case OpKind::Dev:
        op.dev = dev_kind();
        if (op.dev != DevKind::EvictAll) op.iova = addr() + (r_.u8() % 4) * 0x400;
        break;
      case OpKind::FailAlloc: {
        const uint8_t n = r_.u8();
        op.fail_index = (n & 0x80) ? 1 + r_.u16() % 600 : 1 + n % 8;
        break;
      }
    }
    if (outer) {
      // The caller never runs two ops on overlapping ranges at once (SPEC section 6).
      if (k == OpKind::FailAlloc) return std::nullopt;
      if (injection_breaks_contract(*outer, op)) return std::nullopt;
    }
    if (k == OpKind::Map) mapped_ += op.size;
    if (k == OpKind::Split && op.size >= kSize1G) ++big_splits_;
    leaves_ += leaf_cost(op, cfg_.pgsizes);
    if (!outer && is_target_op(k)) decode_injections(op);
    return op;
  }

  // `@N` lines: mostly device actions in or near the op's range, sometimes another op elsewhere.
  void decode_injections(Op& op) {
    const unsigned n = std::min<unsigned>(r_.u8() & 7, lim_.max_injections);
    for (unsigned i = 0; i < n && !r_.done(); ++i) {
      Injection inj;
      const uint16_t at = r_.u16();
      // Most races sit in an op's first few accesses (walks, the install's read and CAS); table builds
      // reach a few hundred; a 1G split a quarter million.
      inj.after_access = (at & 0x8000) ? at & 0x7fff : (at & 0x4000) ? at % 1024 : at % 32;
      const uint8_t what = r_.u8() % 8;
      if (what < 6) {
        inj.op.kind = OpKind::Dev;
        inj.op.dev = dev_kind();
        const bool inside = has_range(op.kind) && op.size && (what & 1);
        inj.op.iova = inside ? op.iova + (uint64_t(r_.u32()) * kSize4K) % op.size : addr();
        if (inj.op.dev == DevKind::EvictAll) inj.op.iova = 0;
      } else {
        static constexpr OpKind kOthers[6] = {OpKind::Map,   OpKind::Unmap, OpKind::Dirty,
                                              OpKind::Split, OpKind::Flush, OpKind::Phys};
        std::optional<Op> other = decode_op(kOthers[r_.u8() % 6], &op);
        if (!other) continue;
        inj.op = std::move(*other);
      }
      op.inject.push_back(std::move(inj));
    }
  }

  Reader r_;
  uint8_t version_ = 0;
  FuzzLimits lim_;
  Config cfg_;
  std::vector<uint64_t> recent_;
  uint64_t mapped_ = 0;
  unsigned big_splits_ = 0;
  uint64_t leaves_ = 0;
};

}  // namespace

bool within_fuzz_limits(const Script& s, const FuzzLimits& lim) {
  if (s.ops.size() > lim.max_statements) return false;
  uint64_t mapped = 0;
  unsigned big_splits = 0;
  uint64_t leaves = 0;
  auto check = [&](const Op& op) {
    leaves += std::min<uint64_t>(leaf_cost(op, s.config.pgsizes), lim.max_leaves + 1);
    if (op.kind == OpKind::Map) mapped += std::min<uint64_t>(op.size, lim.max_mapped + 1);
    if (op.kind == OpKind::Split && op.size >= kSize1G) ++big_splits;
    if ((op.kind == OpKind::Dirty || op.kind == OpKind::UnmapDirty) && op.size / op.bitmap_pgsize / 8 > lim.max_bitmap_bytes)
      return false;
    return op.inject.size() <= lim.max_injections;
  };
  for (const Op& op : s.ops) {
    if (!check(op)) return false;
    for (const Injection& inj : op.inject)
      if (!check(inj.op)) return false;
  }
  return mapped <= lim.max_mapped && big_splits <= lim.max_big_splits && leaves <= lim.max_leaves;
}

Script decode_fuzz_input(const uint8_t* data, size_t size, const FuzzLimits& limits) {
  // Readable scripts (the seed corpus, reproducers) are taken as they are.
  if (size > 0) {
    auto parsed = parse_script(std::string_view(reinterpret_cast<const char*>(data), size), "<fuzz input>");
    if (auto* s = std::get_if<Script>(&parsed); s && !s->ops.empty() && within_fuzz_limits(*s, limits)) {
      // `=> RESULT` lines are an author's claims, not oracles: a mutated one proves nothing. An `@N`
      // op overlapping the op it runs in is outside the caller contract (byte mutations of a script
      // make them): dropped, as the binary decoding never makes one.
      for (Op& op : s->ops) {
        op.expect.reset();
        std::erase_if(op.inject, [&](const Injection& inj) { return injection_breaks_contract(op, inj.op); });
        for (Injection& inj : op.inject) inj.op.expect.reset();
      }
      return std::move(*s);
    }
  }
  return Decoder(data, size, limits).decode();
}

}  // namespace ptc
