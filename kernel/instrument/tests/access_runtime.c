/* A runtime for the instrumentation's tests: __ptc_instr_load8 / __ptc_instr_store8 record each call and
 * do the access, as the kernel runtime does for an address outside every table. Compiled WITH the plugin:
 * the plain accesses below must stay plain (the pass skips the runtime's `__ptc_*` functions), or each call
 * would recurse forever. */
#include "access_log.h"

struct access access_log[ACCESS_LOG_MAX];
int access_count;

void access_log_reset(void) { access_count = 0; }

static void record(char kind, const void *addr, uint64_t value) {
  if (access_count < ACCESS_LOG_MAX)
    access_log[access_count] = (struct access){kind, addr, value};
  access_count++;
}

uint64_t __ptc_instr_load8(const uint64_t *p) {
  uint64_t v = *p;
  record('L', p, v);
  return v;
}

void __ptc_instr_store8(uint64_t *p, uint64_t v) {
  record('S', p, v);
  *p = v;
}
