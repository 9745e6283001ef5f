#include "properties/stateful/generators.h"

#include <iterator>
#include <utility>

namespace ptc::props {

namespace {

using rc::Gen;
namespace gen = rc::gen;

// One of the alternatives, chosen by weight; shrinks toward the first.
template <typename T>
Gen<T> weighted(std::vector<std::pair<unsigned, Gen<T>>> alternatives) {
  unsigned total = 0;
  for (const auto& a : alternatives) total += a.first;
  return gen::exec([alternatives, total] {
    unsigned pick = *gen::inRange(0u, total);
    for (const auto& [w, g] : alternatives) {
      if (pick < w) return *g;
      pick -= w;
    }
    return *alternatives.back().second;
  });
}

uint64_t pages(uint64_t n) { return n * kSize4K; }

// A leaf of the model, by index (the model has at least one).
RefLeaf pick_leaf(const ReferenceModel& ref) {
  const LeafRuns& leaves = ref.leaf_runs();
  const size_t i = *gen::inRange<size_t>(0, leaves.leaf_count());
  return leaves.nth_leaf(i);
}

// The caller's bitmap stays small: coarser bitmap pages for large ranges.
void bound_bitmap(const Model& m, Op& op) {
  while (op.bitmap_pgsize < (1ull << 40) && op.size / op.bitmap_pgsize / 8 > m.limits.max_bitmap_bytes)
    op.bitmap_pgsize <<= 1;
}

Gen<Op> gen_dirty_options(const Op& base, const Model& m) {
  return gen::exec([base, m] {
    Op op = base;
    if (op.kind == OpKind::Dirty) op.noclear = *gen::weightedElement<bool>({{3, false}, {1, true}});
    op.bitmap_pgsize = *gen::weightedElement<uint64_t>({{6, kSize4K}, {1, 2 * kSize4K}, {1, 16 * kSize4K}, {1, kSize2M}});
    // A few bytes, or far into a page (iommufd's selftests use 0xff1): the writer crosses a page boundary.
    op.misalign = *gen::weightedElement<unsigned>({{3, 0u}, {1, 1u}, {1, 3u}, {1, 7u}, {1, 0xff1u}, {1, 0xfffu}});
    bound_bitmap(m, op);
    return op;
  });
}

// An output address for a map at iova: mostly as aligned as the iova (blocks), sometimes 4K-aligned
// only (pages), rarely invalid.
Gen<uint64_t> gen_paddr(uint64_t iova, unsigned oas) {
  const uint64_t out_top = 1ull << oas;
  return weighted<uint64_t>({
      {5, gen::just(iova & (out_top - 1))},
      {2, gen::map(gen::element(kSize1G, 2 * kSize1G, kSize2M, kSize4K),
                   [=](uint64_t d) { return (iova + d) & (out_top - 1); })},
      {2, gen::map(gen::inRange<uint64_t>(0, out_top >> 21), [](uint64_t n) { return n << 21; })},
      {2, gen::map(gen::inRange<uint64_t>(0, out_top >> 12), [](uint64_t n) { return n << 12; })},
      {1, gen::element(out_top - kSize4K, out_top, iova | 0x800)},  // beyond oas or unaligned: -EINVAL
  });
}

Gen<DevKind> gen_dev_kind() {
  return gen::weightedElement<DevKind>(
      {{5, DevKind::Write}, {2, DevKind::Read}, {3, DevKind::Fill}, {1, DevKind::Evict}, {1, DevKind::EvictAll}});
}

Gen<Op> gen_dev(const Model& m, Gen<uint64_t> where) {
  return gen::exec([where] {
    Op op;
    op.kind = OpKind::Dev;
    op.dev = *gen_dev_kind();
    if (op.dev != DevKind::EvictAll) op.iova = *where + *gen::weightedElement<uint64_t>({{6, uint64_t(0)}, {1, uint64_t(0x400)}, {1, uint64_t(0xff8)}});
    return op;
  });
}

// A range next to `outer` (sharing its tables, so racing installs meet), or anywhere.
Gen<Range> gen_neighbour_range(const Model& m, const Op& outer) {
  const uint64_t end = outer.iova + outer.size;
  return weighted<Range>({
      {3, gen::map(gen::pair(gen::element(uint64_t(0), kSize4K, kSize2M - (end & (kSize2M - 1)), kSize2M, kSize1G), gen_size()),
                   [end](std::pair<uint64_t, uint64_t> p) { return Range{end + p.first, p.second}; })},
      {2, gen::map(gen_size(), [iova = outer.iova](uint64_t s) { return Range{iova - s, s}; })},
      {2, gen_range(m)},
  });
}

}  // namespace

Gen<Config> gen_config() {
  return gen::exec([] {
    Config c;
    c.ias = *gen::element(48u, 39u, 32u, 42u, 36u);
    c.oas = *gen::element(48u, 44u, 40u, 36u, 32u);
    c.pgsizes = *gen::element(kSize4K | kSize2M | kSize1G, kSize4K | kSize2M, kSize4K, kSize4K | kSize1G);
    c.bbml = *gen::element(1u, 2u, 0u);
    c.hw_dirty = *gen::weightedElement<bool>({{4, true}, {1, false}});
    c.lazy = *gen::weightedElement<bool>({{3, false}, {1, true}});
    return c;
  });
}

Gen<Config> gen_config_with_hw_dirty() {
  return gen::map(gen_config(), [](Config c) {
    c.hw_dirty = true;
    return c;
  });
}

Gen<uint64_t> gen_iova(const Model& m) {
  const uint64_t top = m.top();
  std::vector<std::pair<unsigned, Gen<uint64_t>>> alts = {
      // Low blocks and their boundaries: 1G regions, 2M blocks in them, pages in those.
      {4, gen::exec([top] {
         return ((uint64_t(*gen::inRange(0, 4)) << 30) + (uint64_t(*gen::inRange(0, 4)) << 21) +
                pages(*gen::inRange(0, 4))) & (top - 1);
       })},
      // The top of the IAS.
      {2, gen::map(gen::element(kSize4K, kSize2M, kSize1G, pages(16), kSize2M + kSize4K),
                   [top](uint64_t below) { return top - below; })},
      {1, gen::map(gen::inRange<uint64_t>(0, top >> 12), [](uint64_t n) { return n << 12; })},
      {1, gen::map(gen::inRange<uint64_t>(0, top >> 12), [](uint64_t n) { return (n << 12) | 0x800; })},  // unaligned
  };
  if (!m.ref->leaf_runs().empty()) {
    // A leaf's edges, a page inside it, a 2M boundary inside it.
    alts.push_back({5, gen::exec([ref = m.ref] {
                      const RefLeaf l = pick_leaf(*ref);
                      const uint64_t in = pages(*gen::inRange<uint64_t>(0, l.size / kSize4K));
                      return *gen::element(l.iova, l.end(), l.iova + in, l.end() - kSize4K,
                                           (l.iova + in) & ~(kSize2M - 1));
                    })});
  }
  if (!m.recent.empty()) {
    alts.push_back({3, gen::exec([recent = m.recent, top] {
                      const uint64_t a = *gen::elementOf(recent);
                      const int64_t d = *gen::element<int64_t>(0, int64_t(kSize4K), int64_t(kSize2M), -int64_t(kSize4K), int64_t(kSize1G));
                      return (a + uint64_t(d)) & (top - 1);
                    })});
  }
  return weighted<uint64_t>(std::move(alts));
}

Gen<uint64_t> gen_size() {
  return weighted<uint64_t>({
      {4, gen::element(kSize4K, pages(2), kSize2M, pages(4), kSize1G)},
      {3, gen::map(gen::inRange(1, 65), [](int n) { return pages(uint64_t(n)); })},
      {2, gen::map(gen::inRange(1, 5), [](int n) { return uint64_t(n) * kSize2M; })},
      {2, gen::element(kSize2M - kSize4K, kSize2M + kSize4K, kSize1G + kSize2M, kSize1G - kSize2M, 2 * kSize1G)},
      {1, gen::element<uint64_t>(0, uint64_t(0x800), kSize4K + 0x10)},  // -EINVAL
  });
}

Gen<Range> gen_range(const Model& m) {
  std::vector<std::pair<unsigned, Gen<Range>>> alts = {
      {3, gen::exec([m] { return Range{*gen_iova(m), *gen_size()}; })},
      {1, gen::just(Range{0, m.top()})},
  };
  if (!m.ref->leaf_runs().empty()) {
    auto ref = m.ref;
    // Whole leaves: from one leaf's start to a later leaf's end.
    alts.push_back({4, gen::exec([ref] {
                      const LeafRuns& leaves = ref->leaf_runs();
                      const size_t n = leaves.leaf_count();
                      const size_t i = *gen::inRange<size_t>(0, n);
                      const size_t j = i + *gen::inRange<size_t>(0, std::min<size_t>(8, n - i));
                      const RefLeaf a = leaves.nth_leaf(i);
                      const RefLeaf b = leaves.nth_leaf(j);
                      return Range{a.iova, b.end() - a.iova};
                    })});
    // The 2M or 1G region around a leaf (whole blocks to split or merge).
    alts.push_back({3, gen::exec([ref] {
                      const RefLeaf l = pick_leaf(*ref);
                      const uint64_t block = *gen::element(kSize2M, kSize1G);
                      return Range{l.iova & ~(block - 1), block * *gen::element<uint64_t>(1, uint64_t(2))};
                    })});
    // Part of a leaf (a read that a block sticks out of, an unmap that cuts it).
    alts.push_back({2, gen::exec([ref] {
                      const RefLeaf l = pick_leaf(*ref);
                      const uint64_t n = l.size / kSize4K;
                      const uint64_t first = *gen::inRange<uint64_t>(0, n);
                      return Range{l.iova + pages(first), pages(*gen::inRange<uint64_t>(1, n - first + 1))};
                    })});
  }
  return weighted<Range>(std::move(alts));
}

Gen<uint64_t> gen_mapped_page(const Model& m) {
  if (m.ref->leaf_runs().empty()) return gen_iova(m);
  return weighted<uint64_t>({
      {5, gen::exec([ref = m.ref] {
         const RefLeaf l = pick_leaf(*ref);
         return l.iova + pages(*gen::inRange<uint64_t>(0, l.size / kSize4K));
       })},
      {1, gen_iova(m)},
  });
}

Gen<Op> gen_op(const Model& m, OpKind k) {
  switch (k) {
    case OpKind::Map:
      return gen::exec([m] {
        Op op;
        op.kind = OpKind::Map;
        op.iova = *gen_iova(m);
        op.size = *gen_size();
        op.paddr = *gen_paddr(op.iova, m.cfg.oas);
        op.prot = *gen::weightedElement<unsigned>({{6, PTC_PROT_READ | PTC_PROT_WRITE}, {3, PTC_PROT_READ}, {1, PTC_PROT_WRITE}});
        return op;
      });
    case OpKind::Flush: {
      Op op;
      op.kind = OpKind::Flush;
      return gen::just(op);
    }
    case OpKind::Phys:
      return gen::exec([m] {
        Op op;
        op.kind = OpKind::Phys;
        op.iova = *gen_mapped_page(m) + *gen::element<uint64_t>(0, uint64_t(0x400));
        return op;
      });
    case OpKind::Dev: return gen_dev(m, gen_mapped_page(m));
    case OpKind::FailAlloc:
      return gen::exec([] {
        Op op;
        op.kind = OpKind::FailAlloc;
        op.fail_index = *gen::weightedOneOf<uint64_t>({{6, gen::inRange<uint64_t>(1, 9)}, {1, gen::inRange<uint64_t>(9, 600)}});
        return op;
      });
    case OpKind::Unmap:
    case OpKind::Split:
    case OpKind::Merge:
    case OpKind::Dirty:
    case OpKind::UnmapDirty:
      return gen::exec([m, k] {
        const Range r = *gen_range(m);
        Op op;
        op.kind = k;
        op.iova = r.iova;
        op.size = r.size;
        if (traits(k).records_dirty) op = *gen_dirty_options(op, m);
        return op;
      });
  }
  return gen::just(Op{});
}

Gen<std::vector<Injection>> gen_injections(const Model& m, const Op& outer) {
  return gen::exec([m, outer] {
    std::vector<Injection> out;
    const bool ranged = has_range(outer.kind) && outer.size > 0;
    const int n = *gen::weightedElement<int>({{3, 0}, {4, 1}, {2, 2}, {1, 3}});
    for (int i = 0; i < n; ++i) {
      // Most races sit in the first accesses (walks, the install's read and CAS); table builds reach
      // a few hundred; a 1G split a quarter million.
      const uint64_t at = *gen::weightedOneOf<uint64_t>({{4, gen::inRange<uint64_t>(0, 8)},
                                                         {3, gen::inRange<uint64_t>(0, 64)},
                                                         {2, gen::inRange<uint64_t>(0, 600)},
                                                         {1, gen::inRange<uint64_t>(0, 1u << 15)}});
      const unsigned what = *gen::weightedElement<unsigned>({{5, 0u}, {1, 1u}, {3, 2u}});
      if (what == 0 && ranged) {
        // A device action on a page inside the op's range, sometimes as a burst at consecutive
        // accesses (the device hammering a page: a race window may be a single access wide).
        const uint64_t npages = std::max<uint64_t>(1, outer.size / kSize4K);
        const uint64_t off = pages(*gen::weightedOneOf<uint64_t>(
            {{2, gen::just(uint64_t(0))}, {1, gen::just(npages - 1)}, {3, gen::inRange<uint64_t>(0, npages)}}));
        const Op dev = *gen_dev(m, gen::just(outer.iova + off));
        const uint64_t burst = *gen::weightedElement<uint64_t>({{4, 1}, {2, 16}, {1, 64}});
        for (uint64_t k = 0; k < burst; ++k) out.push_back(Injection{at + k, dev});
        continue;
      }
      Injection inj;
      inj.after_access = at;
      if (what <= 1) {
        inj.op = *gen_dev(m, gen_mapped_page(m));
      } else {
        // Another op on a disjoint range: often one of the same kind next to this one (two maps
        // installing one new table, two splits, two unmaps freeing neighbours).
        const std::vector<OpKind> kinds(std::begin(kRangedKinds), std::end(kRangedKinds));
        const OpKind k = ranged && *gen::weightedElement<bool>({{1, true}, {1, false}}) ? outer.kind : *gen::elementOf(kinds);
        inj.op = *gen_op(m, k);
        if (has_address(k)) {
          const Range r = *gen_neighbour_range(m, outer);
          inj.op.iova = r.iova;
          inj.op.size = k == OpKind::Phys ? 0 : r.size;
          if (k == OpKind::Map) inj.op.paddr = *gen_paddr(r.iova, m.cfg.oas);
          if (k == OpKind::Dirty || k == OpKind::UnmapDirty) bound_bitmap(m, inj.op);
        }
        if (injection_breaks_contract(outer, inj.op)) continue;
      }
      out.push_back(std::move(inj));
    }
    return out;
  });
}

}  // namespace ptc::props
