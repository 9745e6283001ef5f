/* The accesses the instrumentation announced, as the test runtime (access_runtime.c) records them, for
 * the checks of access_driver.c. */
#ifndef PTC_ACCESS_LOG_H
#define PTC_ACCESS_LOG_H
#include <stdint.h>

enum { ACCESS_LOG_MAX = 64 };
struct access { char kind; /* 'L' load, 'S' store */ const void *addr; uint64_t value; };

extern struct access access_log[ACCESS_LOG_MAX];
extern int access_count;   /* may exceed ACCESS_LOG_MAX: the calls past it are counted, not kept */
void access_log_reset(void);

#endif
