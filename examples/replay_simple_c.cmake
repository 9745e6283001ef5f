# Builds examples/simple-c with its own build.sh, then replays the scenarios, the oracle scripts (which
# hold on any correct target) and the example's scripts against it.
execute_process(COMMAND sh ${SRC}/examples/simple-c/build.sh ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "examples/simple-c/build.sh failed (${rc})")
endif()
execute_process(COMMAND ${PTCHECK} replay ${SRC}/corpora/scenarios ${SRC}/corpora/oracles
                        ${SRC}/examples/simple-c/scripts --target ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ptcheck replay --target ${OUT} exited ${rc}")
endif()
