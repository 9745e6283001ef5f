#include "properties/concurrent/workload.h"

#include <algorithm>

namespace ptc::conc {

Config random_config(Rng& rng, bool allow_lazy) {
  Config c;
  const unsigned bbml = unsigned(rng.below(10));
  c.bbml = bbml == 0 ? 0 : bbml <= 4 ? 1 : 2;
  c.ias = rng.percent(80) ? 48 : 39;
  c.hw_dirty = rng.percent(92);
  c.lazy = allow_lazy && rng.percent(15);
  return c;
}

std::vector<Region> random_regions(Rng& rng, const Config& cfg, size_t n) {
  // Neighbours in one L3-table-holding L2 table, in the next 1G, and (ias 48) in the next 512G.
  static const uint64_t kBases[] = {0x40000000, 0x40200000, 0x40400000, 0x40c00000,
                                    0x80000000, 0x80200000, 0xc0000000, 0x8000000000, 0x8000200000};
  std::vector<uint64_t> bases;
  for (uint64_t b : kBases)
    if (b >> cfg.ias == 0) bases.push_back(b);
  for (size_t i = 0; i + 1 < bases.size(); ++i) std::swap(bases[i], bases[i + rng.below(bases.size() - i)]);
  bases.resize(std::min(n, bases.size()));
  std::sort(bases.begin(), bases.end());
  std::vector<Region> out;
  for (size_t i = 0; i < bases.size(); ++i) out.push_back(Region{bases[i], 0x100000000ull + i * 2 * kRegionSize});
  return out;
}

Range random_range(Rng& rng, const Region& r) {
  const unsigned c = unsigned(rng.below(100));
  if (c < 35) return {r.iova, kRegionSize};
  if (c < 65) {
    const uint64_t first = rng.below(kChunksPerRegion);
    const uint64_t count = 1 + rng.below(kChunksPerRegion - first);
    return {r.iova + first * kChunkSize, count * kChunkSize};
  }
  const uint64_t pages_per_chunk = kChunkSize / kSize4K;
  const uint64_t chunk = rng.below(kChunksPerRegion);
  const uint64_t pages = 1 + rng.below(8);
  const uint64_t first = rng.below(pages_per_chunk - pages + 1);
  return {r.iova + chunk * kChunkSize + first * kSize4K, pages * kSize4K};
}

Op make_op(Rng& rng, OpKind kind, const Region& r, const Range& g) {
  Op op;
  op.kind = kind;
  op.iova = g.iova;
  op.size = g.size;
  switch (kind) {
    case OpKind::Map:
      op.paddr = r.pa + (g.iova - r.iova) + (rng.percent(15) ? kSize4K : 0);
      op.prot = rng.percent(88) ? PTC_PROT_READ | PTC_PROT_WRITE : PTC_PROT_READ;
      break;
    case OpKind::Dirty: op.noclear = rng.percent(15); break;
    case OpKind::Phys:
      op.iova = g.iova + rng.below(g.size / kSize4K) * kSize4K + rng.below(kSize4K);
      op.size = 0;
      break;
    case OpKind::Flush:
      op.iova = op.size = 0;
      break;
    default: break;
  }
  return op;
}

OpKind random_kind(Rng& rng, bool with_flush) {
  const unsigned c = unsigned(rng.below(with_flush ? 103 : 100));
  if (c < 30) return OpKind::Map;
  if (c < 40) return OpKind::Unmap;
  if (c < 50) return OpKind::UnmapDirty;
  if (c < 62) return OpKind::Split;
  if (c < 72) return OpKind::Merge;
  if (c < 94) return OpKind::Dirty;
  if (c < 100) return OpKind::Phys;
  return OpKind::Flush;
}

}  // namespace ptc::conc
