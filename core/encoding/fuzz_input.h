// The fuzz_ops input encoding: any bytes decode to a valid op program (a Script), so no fuzzer input
// is wasted and none can crash the decoder.
//
//  * Text that parses as an .ops script (and stays within the limits below) is taken as is: readable
//    scripts are the seed corpus, and a crash reproducer can be a script.
//  * Anything else is the binary encoding. Byte 0 is the encoding version, bytes 1-2 the config, then
//    records. A version adds meaning only to bits that earlier versions ignored, and an input decodes
//    with every addition up to its version byte (0 and 1: version 1), so a committed input keeps its
//    meaning. A record starts with an op id (core/ops.h OpKind: stable ids, never reused), so a committed
//    corpus keeps its meaning when ops are added; a byte that is no known id is skipped. Arguments are
//    drawn so that blocks, 2M/1G boundaries, the top of the IAS and overlaps with earlier addresses come
//    up often. Exhausted input reads as zeros.
//
// Version 1 layout (all multi-byte values little-endian):
//   [0] version  [1] ias/bbml/hw_dirty/lazy  [2] pgsizes/oas
//   record := op-id args... [injections]     (see fuzz_input.cpp for each op's arguments)
// Version 2: bit 7 of a dirty op's options byte (ignored by version 1) places the caller's bitmap far
// into a page (misalign 0xff1 and the like) instead of 0..7 bytes into it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/ops.h"

namespace ptc {

inline constexpr uint8_t kFuzzEncodingVersion = 2;

// Bounds that keep one input cheap (the fuzzer's RSS limit is 2 GiB; a 1G split makes 262144 pages).
struct FuzzLimits {
  unsigned max_statements = 48;         // top-level statements
  unsigned max_injections = 6;          // per op
  uint64_t max_mapped = 2ull << 30;     // total bytes a program maps
  unsigned max_big_splits = 0;          // splits whose range can hold a 1G block (262144 pages each)
  uint64_t max_bitmap_bytes = 1u << 20; // the caller's bitmap of one dirty op
  uint64_t max_leaves = 4096;           // leaves maps and splits may create (pages cost most)
};

// Decodes any bytes into a valid script (never fails).
Script decode_fuzz_input(const uint8_t* data, size_t size, const FuzzLimits& limits = {});

// Whether a parsed script stays within the limits (a text input that does not is decoded as binary).
bool within_fuzz_limits(const Script& s, const FuzzLimits& limits = {});

}  // namespace ptc
