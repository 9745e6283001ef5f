/* capture_stderr of check.h. */
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int check_failures;

const char *capture_stderr(void (*fn)(void *), void *arg) {
  static char text[8192];
  FILE *tmp = tmpfile();
  if (!tmp) abort();
  fflush(stderr);
  int saved = dup(2);
  dup2(fileno(tmp), 2);
  fn(arg);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  rewind(tmp);
  size_t n = fread(text, 1, sizeof text - 1, tmp);
  text[n] = '\0';
  fclose(tmp);
  return text;
}
