// The one source of randomness of the concurrent checks: every choice comes from a seed that is
// printed, so a run can be repeated (thread timing aside).
#pragma once
#include <cstdint>

namespace ptc::conc {

inline uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A seed for the n-th stream derived from a base seed (threads, schedules, sequences).
inline uint64_t derive_seed(uint64_t base, uint64_t n) {
  uint64_t s = base ^ (n * 0xd1b54a32d192ed03ull);
  return splitmix64(s) | 1;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() { return splitmix64(s_); }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  bool percent(unsigned p) { return below(100) < p; }
  template <class T, size_t N>
  const T& pick(const T (&a)[N]) {
    return a[below(N)];
  }

 private:
  uint64_t s_;
};

}  // namespace ptc::conc
