// Names of the VMSAv8-64 stage-1 descriptor bits (SPEC.md section 2), 4 KiB granule.
// This header holds names only: each component (reference model, simulated SMMU, optimized table)
// does its own decoding, so that a decoding bug in one is caught by the others.
#pragma once
#include <cstdint>

namespace ptc::pte {
inline constexpr uint64_t kValid = 1ull << 0;
inline constexpr uint64_t kTable = 1ull << 1;  // L0-L2: table descriptor; L3: page (must be 1)
inline constexpr uint64_t kPage = 1ull << 1;
inline constexpr uint64_t kAp1 = 1ull << 6;   // ignored by the model
inline constexpr uint64_t kAp2 = 1ull << 7;   // 1 = read-only (or writable-clean with DBM)
inline constexpr uint64_t kAf = 1ull << 10;   // access flag: a leaf with AF=0 faults
inline constexpr uint64_t kNt = 1ull << 16;   // block descriptors, BBML1
inline constexpr uint64_t kDbm = 1ull << 51;  // dirty bit modifier
inline constexpr uint64_t kCont = 1ull << 52;
inline constexpr uint64_t kPxn = 1ull << 53;
inline constexpr uint64_t kXn = 1ull << 54;
inline constexpr uint64_t kAddrMask = 0x0000FFFFFFFFF000ull;  // bits 47:12
}  // namespace ptc::pte
