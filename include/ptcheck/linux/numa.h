/* ptcheck kernel include tree: one NUMA node. */
#ifndef PTC_LINUX_NUMA_H
#define PTC_LINUX_NUMA_H

#define NUMA_NO_NODE (-1)
#define MAX_NUMNODES 1
#define first_online_node 0
static inline int numa_node_id(void) { return 0; }
static inline int numa_mem_id(void) { return 0; }

#endif
