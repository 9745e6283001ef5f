# Runs `ptcheck prove --only OBLIGATION --target LIB` and passes only when it exits 1 with OBLIGATION refuted
# (a test-only broken target whose ordering bug the proofs must find).
execute_process(COMMAND ${PTCHECK} prove --only ${OBLIGATION} --target ${LIB}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit status 1, got ${rc}\n${out}${err}")
endif()
string(FIND "${out}" "REFUTED  ${OBLIGATION}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected ${OBLIGATION} to be refuted\n${out}${err}")
endif()
string(FIND "${out}" "counterexample" cx)
if(cx EQUAL -1)
  message(FATAL_ERROR "no counterexample printed\n${out}")
endif()
message(STATUS "${OBLIGATION} refuted as expected")
