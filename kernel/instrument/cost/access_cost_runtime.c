/* The identity runtime of access_cost.c: the access the call replaced, nothing else. */
#include <stdint.h>

uint64_t __ptc_instr_load8(const uint64_t *p) { return *p; }
void __ptc_instr_store8(uint64_t *p, uint64_t v) { *p = v; }
