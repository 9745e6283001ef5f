# A broken table that only the fail sweep catches (issue 16): DIR's scripts replay clean on BROKEN (a plain
# replay never fails an allocation), `ptcheck run --fail-sweep` over them fails with ORACLE, and the replay
# line it prints, run as printed, fails with ORACLE again. OUT: the folder the failing variants go to.
file(GLOB scripts ${DIR}/*.ops)
execute_process(COMMAND ${PTCHECK} replay ${DIR} --target ${BROKEN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "a plain replay already fails (exit ${rc}): the sweep is not needed to see it\n${out}${err}")
endif()
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PTCHECK} run --fail-sweep ${scripts} --target ${BROKEN} --out ${OUT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "signature: ${ORACLE}:")
  message(FATAL_ERROR "the fail sweep exited ${rc}, want 1 with a ${ORACLE} failure\n${out}${err}")
endif()
if(NOT out MATCHES "replay: ptcheck run ([^ \n]+\\.ops) --target ([^ \n]+)")
  message(FATAL_ERROR "no replay line for a variant:\n${out}")
endif()
execute_process(COMMAND ${PTCHECK} run ${CMAKE_MATCH_1} --target ${CMAKE_MATCH_2} RESULT_VARIABLE rc OUTPUT_VARIABLE again)
if(NOT rc EQUAL 1 OR NOT again MATCHES "FAIL ${ORACLE} ")
  message(FATAL_ERROR "the replay line (ptcheck run ${CMAKE_MATCH_1} --target ${CMAKE_MATCH_2}) exited ${rc}, want 1 "
                      "with ${ORACLE}:\n${again}")
endif()
message(STATUS "ok: ${BROKEN} replays clean, the sweep fails it with ${ORACLE}, its replay line reproduces it")
