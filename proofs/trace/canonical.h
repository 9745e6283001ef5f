// Canonical states and the operations recorded on them. One 2M region at IOVA 0x40000000 -> 0x80000000
// (ias 48, pgsizes 4K|2M|1G, hw_dirty on), made writable-clean by a read-and-clear, mapped either as one 2M
// block or as 512 4K pages; then the operation under proof runs on it while the Recorder records.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/ops.h"
#include "proofs/trace/recorder.h"
#include "proofs/trace/trace.h"
#include "ptcheck/target.h"

namespace ptc::proofs {

inline constexpr uint64_t kRegionIova = 0x40000000;
inline constexpr uint64_t kRegionPa = 0x80000000;
inline constexpr uint64_t kRegionSize = 0x200000;
inline constexpr unsigned kPagesPerRegion = 512;

// kEmpty (the race obligations): the region's slot is empty; a 4K page in the next 2M region is mapped so
// that the tables above the slot exist.
enum class Shape { kBlock, kPages, kEmpty };
inline constexpr uint64_t kNeighbourIova = kRegionIova + kRegionSize;
inline constexpr uint64_t kNeighbourPa = kRegionPa + kRegionSize;
// What runs on the canonical state, as Linux's callers run it.
enum class Pipeline {
  kSplit,              // split(region)
  kMerge,              // merge(region)
  kUnmapStrict,        // unmap(region); the caller frees IOVA and memory
  kUnmapLazy,          // unmap(region); flush(); the caller frees IOVA and memory
  kUnmapReadDirty,     // unmap_read_dirty(region); the caller frees IOVA and memory
  kReadAndClearDirty,  // read_and_clear_dirty(region)
  kMapFirstPage,       // map(page 0 of the region, 4K, rw)  (the race obligations, on Shape::kEmpty)
  kMapSecondPage,      // map(page 1 of the region, 4K, rw)
  kUnmapPart,          // unmap(page 0 of the region, 4K): it cuts the block (-EINVAL, nothing changes)
  kReadAndClearDirtyPart,  // read_and_clear_dirty(page 0 of the region, 4K): the block sticks out
};

struct Canonical {
  Shape shape = Shape::kBlock;
  unsigned bbml = 2;
  bool lazy = false;
};

const char* pipeline_name(Pipeline p);

// The first entry of ptc_target_ops that recording `p` on `c` calls and the target leaves NULL (SPEC
// section 6: it does not offer that operation), as the reason its obligations are skipped: "the target does
// not offer split (NULL in ptc_target_ops)". Empty when the target offers every one.
std::string not_offered(const ptc_target_ops* ops, const Canonical& c, Pipeline p);

// Why the caller of contract profile `c` never issues `p` on the canonical state (SPEC 9.1-9.3: maps only
// over empty ranges, unmaps only of whole mapped leaves, dirty reads only over mapped pages); empty when it
// does. The obligations on such a pipeline are skipped with this reason. The setups (build_state) keep to
// every profile: they map over empty ranges, read dirty state of the whole mapped region and unmap only the
// whole 2M block they mapped.
std::string outside_profile(Contract c, Pipeline p);

// Records `p` on the canonical state with the given injections. Returns nullopt with *why set when the
// target refuses the config or does not offer an operation the recording calls (skip_reason(*why)), or the
// setup does not give the canonical state. It never calls through a NULL entry.
// `foreign`: another CPU's map, done once before the target's ordinal-th access to the slot (race.h).
std::optional<Trace> record_pipeline(const ptc_target_ops* ops, const Canonical& c, Pipeline p,
                                     const std::vector<Injection>& injections, std::string* why,
                                     const ForeignInstall* foreign = nullptr);

// Whether record_pipeline's *why means the obligation does not apply to the target (skipped), rather than
// a recording outside what the encoding covers (unknown).
bool skip_reason(const std::string& why);
// Whether it means the recording missed steps (the target changed table memory with no ptc_hw access):
// every obligation whose recordings include it is skipped with that reason, never judged on the rest.
bool not_recordable(const std::string& why);

}  // namespace ptc::proofs
