# step(WHAT COMMAND...) for the adoption test scripts (cmake -P): runs the command, stops the script
# with its output when it fails, and leaves the output in `out`.
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "adoption: ${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "adoption: ${what}: ok")
  set(out "${out}" PARENT_SCOPE)
endfunction()
