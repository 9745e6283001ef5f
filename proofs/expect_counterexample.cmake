# Runs `ptcheck prove --only OBLIGATION --target LIB` in text and in --json, and passes only when both refute
# OBLIGATION with a counterexample that names each of the key steps listed below for BUG (CPU steps, device
# actions, cache contents, the end state and `.ops` lines), and the printed `.ops` script, run with
# `ptcheck run --target LIB`, fails there too (the reproducer reproduces).
# The key steps, per broken target (regular expressions; a literal square bracket is matched by `.`: an
# unbalanced one would change how CMake splits the list).
if(BUG STREQUAL "split_plain_write")
  set(steps
      [=[cpu read +L2.0. \(the region's slot\) = 0x[0-9a-f]+481]=]                  # the target reads the clean block
      [=[dev writes, walking to the block]=]                                              # HTTU dirties it
      [=[cpu write +L2.0. \(the region's slot\): 0x[0-9a-f]+481 -> 0x[0-9a-f]+003 +<- plain write over a 2M block, writable-DIRTY]=]
      [=[cpu tlb_sync]=]
      [=[at the end: the slot: a table pointer to T[0-9]+; T[0-9]+.[0-9]+.: a 4K page, writable-clean; the device wrote the page]=]
      [=[=> lost dirty]=]
      [=[split 0x40000000 2M
 +@[0-9]+ dev write 0x400]=])                              # the .ops reproducer
elseif(BUG STREQUAL "free_before_sync")
  set(steps
      [=[cpu write +L2.0. \(the region's slot\): 0x[0-9a-f]+003 -> 0x0]=]          # the table is unlinked
      # The shortest interleavings (two device actions) go through the walk cache or a cached page entry.
      [=[dev (caches the slot's table pointer \(walk cache\)|fills the IOTLB with the page)]=]
      [=[IOTLB now: .(walk cache: slot ->|4K page from) T[0-9]+]=]
      [=[cpu free_table T[0-9]+ +<- freed while (the walk cache still points at it|the IOTLB holds a page entry from it)]=]
      [=[dev (walks into a freed table|writes through the cached page entry, HTTU CAS)]=]
      [=[cpu tlb_inv_range .0x40000000\+0x200000\)]=]                                 # the invalidation comes after the free
      [=[cpu tlb_sync]=]
      [=[=> table use-after-free]=]
      [=[unmap 0x40000000 2M
 +@[0-9]+ dev fill 0x400[0-9a-f]+
 +@[0-9]+ dev (read|write) 0x400]=])
else()
  message(FATAL_ERROR "no key steps listed for ${BUG}")
endif()
execute_process(COMMAND ${PTCHECK} prove --only ${OBLIGATION} --target ${LIB}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "text: expected exit status 1, got ${rc}\n${out}${err}")
endif()
string(FIND "${out}" "REFUTED  ${OBLIGATION}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "text: expected ${OBLIGATION} to be refuted\n${out}${err}")
endif()
foreach(step IN LISTS steps)
  if(NOT out MATCHES "${step}")
    message(FATAL_ERROR "text: the counterexample does not show `${step}`:\n${out}")
  endif()
endforeach()

execute_process(COMMAND ${PTCHECK} prove --json --only ${OBLIGATION} --target ${LIB}
                RESULT_VARIABLE rc OUTPUT_VARIABLE json ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "json: expected exit status 1, got ${rc}\n${json}${err}")
endif()
string(JSON name GET "${json}" 0 name)
string(JSON verdict GET "${json}" 0 verdict)
string(JSON cx GET "${json}" 0 counterexample)
string(JSON script GET "${json}" 0 script)
if(NOT name STREQUAL OBLIGATION OR NOT verdict STREQUAL "refuted")
  message(FATAL_ERROR "json: expected ${OBLIGATION} refuted, got ${name} ${verdict}")
endif()
foreach(step IN LISTS steps)
  if(NOT "${cx}\n${script}" MATCHES "${step}")
    message(FATAL_ERROR "json: the counterexample does not show `${step}`:\n${cx}\n${script}")
  endif()
endforeach()

set(ops "${WORK_DIR}/counterexample.ops")
file(WRITE "${ops}" "${script}")
execute_process(COMMAND ${PTCHECK} run ${ops} --target ${LIB} RESULT_VARIABLE rc OUTPUT_VARIABLE run_out ERROR_VARIABLE run_err)
if(NOT rc EQUAL 1 OR NOT run_out MATCHES "FAIL")
  message(FATAL_ERROR "the printed .ops script does not reproduce (ptcheck run exit ${rc}):\n${script}\n${run_out}${run_err}")
endif()
message(STATUS "${OBLIGATION}: counterexample names every key step; the .ops script reproduces")
