/* ptcheck kernel include tree: offsetof, NULL, true/false, field sizes. */
#ifndef PTC_LINUX_STDDEF_H
#define PTC_LINUX_STDDEF_H

#include <stdbool.h>
#include <stddef.h>

#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define offsetofend(TYPE, MEMBER) (offsetof(TYPE, MEMBER) + sizeof_field(TYPE, MEMBER))

#endif
