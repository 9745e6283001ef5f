# Runs ptcheck with ARGS (separated by '^') and requires exit status 0, nothing on stderr and stdout
# matching the regular expression EXPECT (`--help`, `--version`: answers, not errors).
string(REPLACE "^" ";" args "${ARGS}")
execute_process(COMMAND ${PTCHECK} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit status ${rc}, want 0\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT err STREQUAL "")
  message(FATAL_ERROR "stderr is not empty: ${err}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "stdout does not match `${EXPECT}`:\n${out}")
endif()
