/* ptcheck kernel include tree: the C library's string functions. */
#ifndef PTC_LINUX_STRING_H
#define PTC_LINUX_STRING_H

#include <string.h>
#include <strings.h>

#endif
