/* ptcheck kernel include tree: container_of. */
#ifndef PTC_LINUX_CONTAINER_OF_H
#define PTC_LINUX_CONTAINER_OF_H

#include <stddef.h>
#include <stdint.h>

#define container_of(ptr, type, member) ((type *)(void *)((char *)(uintptr_t)(ptr) - offsetof(type, member)))
#define container_of_const(ptr, type, member) container_of(ptr, type, member)

#endif
