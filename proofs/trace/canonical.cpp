#include "proofs/trace/canonical.h"

#include <cstdio>

#include "core/descriptor_bits.h"
#include "core/ops/op_table.h"
#include "core/runner/target_watch.h"

namespace ptc::proofs {

const char* pipeline_name(Pipeline p) {
  switch (p) {
    case Pipeline::kSplit: return "split";
    case Pipeline::kMerge: return "merge";
    case Pipeline::kUnmapStrict: return "unmap (strict)";
    case Pipeline::kUnmapLazy: return "unmap + flush (lazy)";
    case Pipeline::kUnmapReadDirty: return "unmap_read_dirty";
    case Pipeline::kReadAndClearDirty: return "read_and_clear_dirty";
    case Pipeline::kMapFirstPage: return "map of page 0";
    case Pipeline::kMapSecondPage: return "map of page 1";
    case Pipeline::kUnmapPart: return "unmap of page 0 (cutting the block)";
    case Pipeline::kReadAndClearDirtyPart: return "read_and_clear_dirty of page 0 (the block sticks out)";
  }
  return "?";
}

namespace {

// A target entry wrapped so that a call announces itself to the watch of a child process (a recording
// that crashes or hangs in `ptcheck check` is then named, and a hang is found).
template <class R, class... A>
auto watched(R (*f)(A...)) {
  return [f](A... a) -> R {
    WatchScope in(ambient_watch(), WatchedEntry::kOp, 0);
    return f(a...);
  };
}

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// Builds the canonical region; false with *why when the target does not give it.
bool build_state(const ptc_target_ops* ops, struct ptc_target* t, const Canonical& c, Trace& tr, std::string* why) {
  // The setup's records are not part of the recording, but a target calls record(): a no-op, not NULL.
  const ptc_dirty none{nullptr, [](void*, uint64_t, uint64_t) {}};
  auto clear = [&]() {  // new mappings start dirty; the canonical state is writable-clean
    if (int rc = watched(ops->read_and_clear_dirty)(t, kRegionIova, kRegionSize, 0, &none)) {
      *why = "setup: read_and_clear_dirty returned " + std::to_string(rc);
      return false;
    }
    tr.setup_script.push_back("dirty " + hex(kRegionIova) + " 2M");
    return true;
  };
  if (c.shape == Shape::kEmpty) {
    if (int rc = watched(ops->map)(t, kNeighbourIova, kNeighbourPa, 4096, PTC_PROT_READ | PTC_PROT_WRITE)) {
      *why = "setup: map of the neighbouring page returned " + std::to_string(rc);
      return false;
    }
    tr.setup_script.push_back("map " + hex(kNeighbourIova) + " " + hex(kNeighbourPa) + " 4K rw");
    return true;
  }
  if (c.shape == Shape::kBlock || (c.bbml > 0 && ops->split)) {
    if (int rc = watched(ops->map)(t, kRegionIova, kRegionPa, kRegionSize, PTC_PROT_READ | PTC_PROT_WRITE)) {
      *why = "setup: map of the 2M block returned " + std::to_string(rc);
      return false;
    }
    tr.setup_script.push_back("map " + hex(kRegionIova) + " " + hex(kRegionPa) + " 2M rw");
    if (!clear()) return false;
    if (c.shape == Shape::kBlock) return true;
    // Pages from the clean block: one split is far cheaper to record 512 times than 512 maps.
    const int rc = watched(ops->split)(t, kRegionIova, kRegionSize);
    if (rc == 0) {
      tr.setup_script.push_back("split " + hex(kRegionIova) + " 2M");
      return true;
    }
    // A split that fails changed nothing (SPEC section 3; the split obligations judge its return value), and
    // the obligations on the pages do not depend on how they were made: the block goes, and the pages are
    // mapped one by one as below. The failed split stays out of the script (its replay would report it first).
    // A lazy unmap's invalidation waits for the setup's flush: without one the device could still hold the
    // block, and the model starts from empty caches.
    if (c.lazy && !ops->flush) {
      *why = "setup: split of the 2M block returned " + std::to_string(rc) + ", and without flush the lazy unmap of the block cannot be drained";
      return false;
    }
    const int64_t unmapped = watched(ops->unmap)(t, kRegionIova, kRegionSize);
    if (unmapped != int64_t(kRegionSize)) {
      *why = "setup: split of the 2M block returned " + std::to_string(rc) + ", then unmap of the block returned " +
             std::to_string(unmapped);
      return false;
    }
    tr.setup_script.push_back("unmap " + hex(kRegionIova) + " 2M");
  }
  // bbml 0, or a target without split: page by page.
  for (unsigned k = 0; k < kPagesPerRegion; ++k) {
    if (int rc = watched(ops->map)(t, kRegionIova + k * 4096ull, kRegionPa + k * 4096ull, 4096, PTC_PROT_READ | PTC_PROT_WRITE)) {
      *why = "setup: map of page " + std::to_string(k) + " returned " + std::to_string(rc);
      return false;
    }
    tr.setup_script.push_back("map " + hex(kRegionIova + k * 4096ull) + " " + hex(kRegionPa + k * 4096ull) + " 4K rw");
  }
  return clear();
}

// The walk from the root to the region's slot (its L2 entry), on the recorder's memory.
bool find_slot(const ptc_target_ops* ops, struct ptc_target* t, const Recorder& rec, Trace& tr, std::string* why) {
  uint64_t table_addr = reinterpret_cast<uintptr_t>(ops->root(t));
  for (unsigned level = 0; level <= 2; ++level) {
    const int id = rec.table_of(table_addr);
    if (id < 0 || rec.tables()[size_t(id)].addr != table_addr) {
      *why = "setup: the walk to the region reaches " + hex(table_addr) + ", not a table from alloc_table";
      return false;
    }
    const unsigned shift = 12 + 9 * (3 - level);
    const unsigned index = unsigned(kRegionIova >> shift) & 511;
    if (level == 2) {
      tr.slot_table = id;
      tr.slot_index = index;
      tr.slot_at_start = rec.peek(id, index);
      return true;
    }
    const uint64_t d = rec.peek(id, index);
    if ((d & (pte::kValid | pte::kTable)) != (pte::kValid | pte::kTable)) {
      *why = "setup: the L" + std::to_string(level) + " entry above the region is not a table descriptor";
      return false;
    }
    tr.path_tables.push_back(id);
    tr.path_indexes.push_back(index);
    table_addr = d & pte::kAddrMask;
  }
  return false;
}

constexpr const char* kNotOffered = "the target does not offer ";
constexpr const char* kNotRecordable = "not recordable: ";

std::string missing(const char* entry, const char* use = "") {
  return std::string(kNotOffered) + entry + " (NULL in ptc_target_ops)" + use;
}

std::string region_op(const char* op) { return std::string(op) + " " + hex(kRegionIova) + " 2M"; }
std::string page_op(const char* op, unsigned page) { return std::string(op) + " " + hex(kRegionIova + page * 4096ull) + " 4K"; }
std::string map_op(unsigned page) {
  return "map " + hex(kRegionIova + page * 4096ull) + " " + hex(kRegionPa + page * 4096ull) + " 4K rw";
}

// The operation under proof, when it calls an entry a target may leave NULL (core/ops/op_table.h).
std::optional<OpKind> optional_operation(Pipeline p) {
  switch (p) {
    case Pipeline::kSplit: return OpKind::Split;
    case Pipeline::kMerge: return OpKind::Merge;
    case Pipeline::kUnmapLazy: return OpKind::Flush;
    case Pipeline::kUnmapReadDirty: return OpKind::UnmapDirty;
    case Pipeline::kReadAndClearDirty:
    case Pipeline::kReadAndClearDirtyPart: return OpKind::Dirty;
    case Pipeline::kUnmapStrict:
    case Pipeline::kMapFirstPage:
    case Pipeline::kMapSecondPage:
    case Pipeline::kUnmapPart: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::string not_offered(const ptc_target_ops* ops, const Canonical& c, Pipeline p) {
  // The operation under proof first, so that the reason names it.
  if (const std::optional<OpKind> k = optional_operation(p); k && !target_offers(ops, *k))
    return missing(entry_name(traits(*k).entry));
  // The setup needs read_and_clear_dirty: new mappings start dirty, the canonical region is writable-clean.
  // It splits and flushes only where the target offers them (build_state, record_pipeline).
  if (c.shape != Shape::kEmpty && !target_offers(ops, OpKind::Dirty))
    return missing("read_and_clear_dirty", ", with which the setup makes the region writable-clean");
  return "";
}

std::string outside_profile(Contract c, Pipeline p) {
  switch (c) {
    case Contract::Spec: return "";  // the harness's caller assumes nothing beyond SPEC section 6
    case Contract::Linux: break;
  }
  switch (p) {
    // Whole leaves, every page mapped (9.2, 9.3): the 2M block or all 512 pages of the region.
    case Pipeline::kSplit:
    case Pipeline::kMerge:
    case Pipeline::kUnmapStrict:
    case Pipeline::kUnmapLazy:
    case Pipeline::kUnmapReadDirty:
    case Pipeline::kReadAndClearDirty:
    // Maps of 4K pages whose slot is empty (9.1), each map over its own page.
    case Pipeline::kMapFirstPage:
    case Pipeline::kMapSecondPage:
    // A dirty read of a mapped page (9.3); that it cuts the block is allowed (SPEC 9's last paragraph), and
    // the obligation's claim is narrowed to what 9.5 accepts (obligations/target_obligations.cpp).
    case Pipeline::kReadAndClearDirtyPart: return "";
    case Pipeline::kUnmapPart:
      return std::string("outside contract=") + contract_name(c) +
             ": Linux's callers never unmap a range that cuts a leaf (SPEC 9.2)";
  }
  return "";
}

bool not_recordable(const std::string& why) { return why.rfind(kNotRecordable, 0) == 0; }

bool skip_reason(const std::string& why) {
  return why.rfind("refused", 0) == 0 || why.rfind(kNotOffered, 0) == 0 || why.rfind(kNotRecordable, 0) == 0;
}

std::optional<Trace> record_pipeline(const ptc_target_ops* ops, const Canonical& c, Pipeline p,
                                     const std::vector<Injection>& injections, std::string* why,
                                     const ForeignInstall* foreign) {
  Trace tr;
  tr.cfg = ptc_cfg{48, 48, 0x1000 | 0x200000 | 0x40000000, c.bbml, PTC_CFG_HW_DIRTY | (c.lazy ? PTC_CFG_LAZY : 0u)};
  tr.region_iova = kRegionIova;
  tr.region_pa = kRegionPa;
  if (std::string missing_entry = not_offered(ops, c, p); !missing_entry.empty()) {
    *why = missing_entry;
    return std::nullopt;
  }
  Recorder rec;
  struct ptc_target* t = watched(ops->create)(&tr.cfg, rec.hw());
  if (!t) {
    *why = "refused: create() returned NULL for this configuration";
    return std::nullopt;
  }
  // The setup's flush drains what a lazy table queued (build_state's unmap when a split failed); otherwise the
  // setup removes nothing, so a target without flush is recorded without it.
  bool ok = build_state(ops, t, c, tr, why) && (!ops->flush || ops->flush(t) == 0) && find_slot(ops, t, rec, tr, why);
  if (ok) {
    rec.begin(tr.slot_table, tr.slot_index, tr.path_tables, injections);
    if (foreign) rec.set_foreign_install(*foreign);
    const ptc_dirty* d = rec.dirty();
    switch (p) {
      case Pipeline::kSplit:
        rec.note_return("split", watched(ops->split)(t, kRegionIova, kRegionSize));
        tr.op_script = region_op("split");
        break;
      case Pipeline::kMerge:
        rec.note_return("merge", watched(ops->merge)(t, kRegionIova, kRegionSize));
        tr.op_script = region_op("merge");
        break;
      case Pipeline::kUnmapStrict:
        rec.note_return("unmap", watched(ops->unmap)(t, kRegionIova, kRegionSize));
        rec.note_reuse();
        tr.op_script = region_op("unmap");
        break;
      case Pipeline::kUnmapLazy:
        rec.note_return("unmap", watched(ops->unmap)(t, kRegionIova, kRegionSize));
        rec.next_op();
        rec.note_return("flush", ops->flush(t));
        rec.note_reuse();
        tr.op_script = region_op("unmap");
        break;
      case Pipeline::kUnmapReadDirty:
        rec.note_return("unmap_read_dirty", watched(ops->unmap_read_dirty)(t, kRegionIova, kRegionSize, d));
        rec.note_reuse();
        tr.op_script = region_op("unmap_dirty");
        break;
      case Pipeline::kReadAndClearDirty:
        rec.note_return("read_and_clear_dirty", watched(ops->read_and_clear_dirty)(t, kRegionIova, kRegionSize, 0, d));
        tr.op_script = region_op("dirty");
        break;
      case Pipeline::kMapFirstPage:
      case Pipeline::kMapSecondPage: {
        const unsigned page = p == Pipeline::kMapFirstPage ? 0 : 1;
        rec.note_return("map", watched(ops->map)(t, kRegionIova + page * 4096ull, kRegionPa + page * 4096ull, 4096,
                                        PTC_PROT_READ | PTC_PROT_WRITE));
        tr.op_script = map_op(page);
        break;
      }
      case Pipeline::kUnmapPart:
        rec.note_return("unmap", watched(ops->unmap)(t, kRegionIova, 4096));
        tr.op_script = page_op("unmap", 0);
        break;
      case Pipeline::kReadAndClearDirtyPart:
        rec.note_return("read_and_clear_dirty", watched(ops->read_and_clear_dirty)(t, kRegionIova, 4096, 0, d));
        tr.op_script = page_op("dirty", 0);
        break;
    }
    rec.stop();
    if (std::string unseen = rec.unseen_change(); !unseen.empty()) {
      // The recording misses steps: it cannot judge the target either way (never "proved", never a
      // counterexample of steps that did not happen). The same race runs through the differential runner
      // (the scheduler's @N schedules, stress), where the target's own table is real.
      ok = false;
      *why = std::string(kNotRecordable) + unseen +
             ": the target changed table memory with no ptc_hw access (a plain store: a kernel file built without "
             "ptcheck's access instrumentation, or one writing into the recorder's stand-in for another CPU's "
             "table, which it did not allocate and so does not route through ptc_hw)";
    } else if (!rec.injections_applied()) {
      ok = false;
      *why = "injection not applicable";
    }
  }
  watched(ops->destroy)(t);
  if (!ok) return std::nullopt;
  tr.tables = rec.tables();
  tr.steps = rec.steps();
  char what[160];
  std::snprintf(what, sizeof what, "%s of the 2M region at %s (%s, bbml %u, %s) on target %s", pipeline_name(p),
                hex(kRegionIova).c_str(), c.shape == Shape::kBlock ? "one 2M block" : c.shape == Shape::kPages ? "512 4K pages" : "its slot empty", c.bbml,
                c.lazy ? "lazy" : "strict", ops->name ? ops->name : "?");
  tr.what = what;
  return tr;
}

}  // namespace ptc::proofs
