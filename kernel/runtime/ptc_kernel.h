/* ptcheck kernel runtime: what the kernel include tree (include/ptcheck/linux, include/ptcheck/asm)
 * maps the kernel API onto. Compiled into each kernel target library (ptc_kernel_runtime.c, C11 + GNU
 * extensions, WITHOUT the access instrumentation: its own loads and stores are the harness's).
 *
 * A kernel page-table file (drivers/iommu/io-pgtable-arm.c of a tree, unchanged) is compiled with
 * `-I include/ptcheck -I include` so that its <linux/...> and <asm/...> includes find the tree, and its
 * own quote includes ("iommu-pages.h", "io-pgtable-arm.h") find its real siblings. The tree defines no
 * name the file defines itself (__arm_lpae_alloc_pages, __arm_lpae_sync_pte, arm_lpae_*, iopte_*...):
 * it provides the primitives the file calls. Every table the file allocates comes from the current
 * instance's ptc_hw and is registered here, so that an access can be told to be a descriptor access by
 * its address alone.
 *
 * Reference: kernel name -> what it does here (x: an lvalue, p: a pointer; "table": memory of a live
 * table from ptc_k_alloc_table; "descriptor access": the current ptc_hw's read/write/cmpxchg/xchg/
 * fetch_or, one `@N` point of the harness; other memory gets the plain or atomic access it asks for)
 *
 *   READ_ONCE(x), 8 bytes                    ptc_k_load8: descriptor read if &x is in a table
 *   WRITE_ONCE(x, v), 8 bytes                ptc_k_store8: descriptor write if &x is in a table
 *   READ_ONCE / WRITE_ONCE, other sizes      volatile access (never a descriptor)
 *   smp_load_acquire / smp_store_release     as READ_ONCE / WRITE_ONCE plus a fence
 *   cmpxchg64(_relaxed), cmpxchg(_relaxed)   ptc_k_cmpxchg8 for 8 bytes (descriptor cmpxchg in a
 *     try_cmpxchg64, try_cmpxchg               table); __atomic builtins for other sizes
 *   xchg(_relaxed)                           ptc_k_xchg8 for 8 bytes
 *   set_bit, test_and_set_bit                ptc_k_fetch_or8 on the 64-bit word holding the bit
 *   clear_bit, test_and_clear_bit            ptc_k_fetch_and8 (read + cmpxchg loop on a descriptor)
 *   test_bit                                 ptc_k_load8 of the word
 *   __set_bit, __clear_bit, bitmap_set/clear plain (non-atomic) bitmap memory, never a table
 *   atomic64_* on an atomic64_t              ptc_k_*8 on its counter; atomic_t: __atomic builtins
 *   dma_wmb, wmb, mb, rmb, smp_*mb, dma_rmb   compiler barrier + __atomic_thread_fence (every
 *                                              descriptor access is already visible to the device)
 *   alloc_pages_node, alloc_pages,           ptc_k_alloc_pages(order): a TABLE of PAGE_SIZE << order
 *     __get_free_pages, get_zeroed_page,       (zeroed, aligned to its size; NULL: -ENOMEM) with its
 *     alloc_pages_exact                        struct page descriptor
 *   __free_pages, free_pages, put_page,      ptc_k_free_pages / ptc_k_free_table: back to the hw that
 *     free_pages_exact                         allocated it; a wrong order prints a WARNING
 *   page_address, virt_to_page, virt_to_folio the struct page of a table <-> its address
 *   iommu_alloc_pages_node_sz, iommu_free_pages, iommu_put_pages_list (v6.15+ iommu-pages.h, which
 *                                              declares them): defined (weak) in ptc_kernel_runtime.c
 *                                              on the page allocator above
 *   mod_node_page_state, mod_lruvec_page_state (v6.11-6.14 iommu-pages.h accounting): no-ops
 *   kmalloc, kzalloc, kcalloc, kfree, kvfree calloc / free: instance memory, never a table
 *   kmemleak_*                               no-ops
 *   dma_map_single, dma_unmap_single,        identity / no-ops: the simulated SMMU walks coherently
 *     dma_mapping_error, dma_sync_single_*     (the adapter sets coherent_walk)
 *   virt_to_phys, __pa, phys_to_virt, __va   identity (SPEC 6: descriptors hold table addresses)
 *   WARN, WARN_ON, WARN_ON_ONCE, WARN_ONCE   the condition; when true ptc_k_warn prints one line
 *                                              "WARNING: at FILE:LINE FUNC: message" to stderr
 *   BUG, BUG_ON, VM_BUG_ON                   "kernel BUG at FILE:LINE!" then abort()
 *   pr_err/warn/info/notice/..., printk,     ptc_k_printk: the text (pr_fmt applied) on stderr;
 *     dev_err/warn/info                        pr_debug / dev_dbg print nothing
 *   struct device, dev_to_node               numa_node (NUMA_NO_NODE for a NULL device)
 *   io_pgtable_tlb_flush_all/flush_walk/     call the cfg's iommu_flush_ops (the adapter's) as the
 *     add_page                                 kernel's io-pgtable.h does
 *   iommu_iotlb_gather_*, iommu_dirty_bitmap_record, iova_bitmap_set: as iommu.h; the dirty bitmap
 *                                              records into the harness's struct ptc_dirty
 *   everything else (types, bits, bitfield, log2, sizes, minmax, list, errno, string...): the C meaning
 *                                              the kernel documents
 */
#ifndef PTCHECK_KERNEL_RUNTIME_H
#define PTCHECK_KERNEL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ptc_hw;
struct page;

/* The instance's ptc_hw for this thread: the adapter sets it around every call into the file.
 * Returns the previous one (calls nest: the harness may run an operation inside a descriptor access). */
const struct ptc_hw *ptc_k_enter(const struct ptc_hw *hw);
void ptc_k_leave(const struct ptc_hw *previous);
const struct ptc_hw *ptc_k_hw(void); /* NULL outside any call */

/* Table memory: every page/table allocation of the file goes here (alloc_table of the current hw)
 * and is registered, so that descriptor accesses can be told from other memory by address. */
void *ptc_k_alloc_table(size_t bytes); /* zeroed, aligned to bytes, NULL on -ENOMEM */
void ptc_k_free_table(void *table);
/* How many table allocations (ptc_k_alloc_table, the page allocator) failed on this thread so far: the
 * adapter tells an operation that fell short because memory ran out from one the file refused. */
unsigned long ptc_k_alloc_failures(void);
int ptc_k_in_table(const void *p); /* p is 8-byte aligned and lies in a live registered table */

/* The page allocator on the table registry: PAGE_SIZE << order bytes, the struct page describing
 * them (what page_address / virt_to_page convert). free with the allocation's order; another order
 * prints a WARNING (the kernel would free the wrong amount). */
struct page *ptc_k_alloc_pages(unsigned int order);
void ptc_k_free_pages(struct page *page, int order); /* order < 0: whatever was allocated */
void ptc_k_free_pages_at(const void *addr, int order); /* the same, by the table's address */
void *ptc_k_page_address(const struct page *page);
struct page *ptc_k_virt_to_page(const void *addr); /* NULL: not in a live table */

/* Instance memory (kmalloc & co.): zeroed, never a table. */
void *ptc_k_zalloc(size_t bytes);
void ptc_k_kfree(const void *p);

/* Descriptor accesses: a live-table address goes through the current hw (read/write/cmpxchg/xchg/
 * fetch_or); any other address is a plain (or atomic, for the atomics) access of ordinary memory. */
uint64_t ptc_k_load8(const uint64_t *p);
void ptc_k_store8(uint64_t *p, uint64_t v);
uint64_t ptc_k_cmpxchg8(uint64_t *p, uint64_t old, uint64_t new_); /* returns the previous value */
uint64_t ptc_k_xchg8(uint64_t *p, uint64_t v);
uint64_t ptc_k_fetch_or8(uint64_t *p, uint64_t bits);
uint64_t ptc_k_fetch_and8(uint64_t *p, uint64_t mask); /* cmpxchg loop on a descriptor */

/* What the access instrumentation (the pass) calls instead of every plain 8-byte load and store. */
uint64_t __ptc_instr_load8(const uint64_t *p);       /* = ptc_k_load8 */
void __ptc_instr_store8(uint64_t *p, uint64_t v);    /* = ptc_k_store8 */

/* Kernel messages go to stderr (the harness sends the target's stderr to the target log).
 * ptc_k_printk prints its text (a leading KERN_<level> prefix dropped) as one line; ptc_k_warn prints
 * "WARNING: at FILE:LINE <message>" (the harness's `warning` oracle counts lines holding "WARNING:");
 * ptc_k_bug prints "kernel BUG at FILE:LINE!" and aborts. */
void ptc_k_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ptc_k_warn(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ptc_k_bug(const char *file, int line) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* PTCHECK_KERNEL_RUNTIME_H */
