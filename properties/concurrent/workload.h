// Random workloads for the concurrent checks, all from a seed: configurations, IOVA regions (2M each,
// placed so that they share upper-level tables and race to install them), and operations on ranges
// of a region: the whole region, a run of its 512K chunks, or a few pages.
#pragma once
#include <cstdint>
#include <vector>

#include "core/ops.h"
#include "properties/concurrent/rng.h"

namespace ptc::conc {

inline constexpr uint64_t kRegionSize = kSize2M;
inline constexpr unsigned kChunksPerRegion = 4;
inline constexpr uint64_t kChunkSize = kRegionSize / kChunksPerRegion;

struct Region {
  uint64_t iova = 0;
  uint64_t pa = 0;  // 2M-aligned output of the region's first page
};

// bbml 0/1/2, ias 48 or 39, every leaf size, hw_dirty on (mostly); lazy only when allowed.
Config random_config(Rng& rng, bool allow_lazy);
// n distinct regions, ascending: some neighbours in one L2 table, some in other 1G or 512G slots.
std::vector<Region> random_regions(Rng& rng, const Config& cfg, size_t n);

// A range of the region: [iova, iova + size).
struct Range {
  uint64_t iova = 0, size = 0;
};
Range random_range(Rng& rng, const Region& r);
// An op of `kind` on range `g` of region r (map: rw mostly, output at the region's output plus the
// same offset, sometimes 4K off so that no block fits).
Op make_op(Rng& rng, OpKind kind, const Region& r, const Range& g);
// A target op kind, by weight: map, unmap, unmap_read_dirty, split, merge, read_and_clear_dirty,
// iova_to_phys (flush when with_flush).
OpKind random_kind(Rng& rng, bool with_flush);

}  // namespace ptc::conc
