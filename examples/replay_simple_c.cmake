# Builds examples/simple-c with its own build.sh, then replays the scenarios, the oracle scripts (which
# hold on any correct target) and the example's scripts against it, and sweeps corpora/fail_sweep and
# three of the example's scripts with each allocation failing in turn (`run --fail-sweep`; all of them
# take twenty minutes under ASan: docs/PERFORMANCE.md).
execute_process(COMMAND sh ${SRC}/examples/simple-c/build.sh ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "examples/simple-c/build.sh failed (${rc})")
endif()
execute_process(COMMAND ${PTCHECK} replay ${SRC}/corpora/scenarios ${SRC}/corpora/oracles
                        ${SRC}/examples/simple-c/scripts --target ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ptcheck replay --target ${OUT} exited ${rc}")
endif()
file(GLOB sweep ${SRC}/corpora/fail_sweep/*.ops)
execute_process(COMMAND ${PTCHECK} run --fail-sweep ${sweep} ${SRC}/examples/simple-c/scripts/concurrent.ops
                        ${SRC}/examples/simple-c/scripts/lazy.ops ${SRC}/examples/simple-c/scripts/map_unmap.ops
                        --target ${OUT} --out ${OUT}-fail-sweep RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ptcheck run --fail-sweep --target ${OUT} exited ${rc}")
endif()
