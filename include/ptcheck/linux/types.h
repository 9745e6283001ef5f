/* ptcheck kernel include tree: the kernel's fixed-width and address types (LP64, 64-bit physical and
 * DMA addresses), list_head, atomic_t. */
#ifndef PTC_LINUX_TYPES_H
#define PTC_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/compiler.h>
#include <linux/kconfig.h>
#include <linux/stddef.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64; /* as the kernel: printed with %llx */
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s8 __s8;
typedef s16 __s16;
typedef s32 __s32;
typedef s64 __s64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;
typedef u64 __aligned_u64 __attribute__((aligned(8)));

typedef u64 phys_addr_t;
typedef u64 dma_addr_t;
typedef phys_addr_t resource_size_t;
typedef unsigned int gfp_t;
typedef unsigned long pgoff_t;
typedef unsigned long ulong;
typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef struct {
  int counter;
} atomic_t;

typedef struct {
  s64 counter;
} atomic64_t;

typedef atomic64_t atomic_long_t;

struct list_head {
  struct list_head *next, *prev;
};

struct hlist_node {
  struct hlist_node *next, **pprev;
};

struct hlist_head {
  struct hlist_node *first;
};

#endif
