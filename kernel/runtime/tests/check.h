/* CHECK for the runtime's C tests: a failed check prints FILE:LINE and the expression and makes the
 * test exit 1 (check_status()). */
#ifndef PTC_KERNEL_TESTS_CHECK_H
#define PTC_KERNEL_TESTS_CHECK_H

#include <stdio.h>

extern int check_failures;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      check_failures++;                                                    \
    }                                                                      \
  } while (0)

/* Runs fn with stderr sent to a buffer; returns what it printed (static storage, NUL-terminated). */
const char *capture_stderr(void (*fn)(void *), void *arg);

static inline int check_status(const char *name) {
  if (check_failures) fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
  else printf("%s: all checks passed\n", name);
  return check_failures ? 1 : 0;
}

#endif
