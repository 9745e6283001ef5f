/* ptcheck kernel include tree: __stringify. */
#ifndef PTC_LINUX_STRINGIFY_H
#define PTC_LINUX_STRINGIFY_H

#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)

#endif
