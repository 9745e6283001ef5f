# ctest adoption/kernel-style (examples/CMakeLists.txt): install -> find_package -> ptcheck_add_kernel_target
# -> ctest, green then red.
# -DBUILD_DIR -DCONSUMER -DWORK -DGENERATOR -DC_COMPILER -DCXX_COMPILER
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/adoption_step.cmake)

file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
step("cmake --install ${BUILD_DIR} --prefix ${prefix}" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f bin/ptcheck include/ptcheck/target.h include/ptcheck/linux/io-pgtable.h include/ptcheck/asm/barrier.h
          share/ptcheck/kernel/runtime/ptc_kernel_runtime.c share/ptcheck/kernel/adapter/io_pgtable_adapter.c
          share/ptcheck/corpora/scenarios lib/cmake/ptcheck/ptcheckConfig.cmake lib/cmake/ptcheck/ptcheck.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "adoption: the install has no ${f}")
  endif()
endforeach()

# Short budgets: this is a test of the package, the full-length checks of the table are
# examples/kernel-style/* in the main build.
set(configure ${CMAKE_COMMAND} -G ${GENERATOR} -S ${CONSUMER} -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DKSTYLE_FUZZ_SECONDS=5
    -DKSTYLE_PROPERTY_CASES=10)
step("configure the consumer project" ${configure} -B ${WORK}/green)
step("build it" ${CMAKE_COMMAND} --build ${WORK}/green)
# Built unchanged, the kernel file's plain descriptor stores are visible only with the access
# instrumentation: the consumer's clang must have loaded the installed plugin.
file(GLOB_RECURSE tus ${WORK}/green/*_kernel_tu.c)
if(NOT tus OR NOT EXISTS ${prefix}/lib/ptcheck/libptc_access_instrument.so)
  message(FATAL_ERROR "adoption: no generated kernel unit under ${WORK}/green, or no installed instrumentation plugin")
endif()
# The prove run is the main build's examples/kernel-style/prove (minutes under sanitizers); here,
# that the package registered it.
execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${WORK}/green -N OUTPUT_VARIABLE listed)
foreach(t replay properties stress prove)
  if(NOT listed MATCHES "kernel_style/${t}")
    message(FATAL_ERROR "adoption: ptcheck_add_target registered no kernel_style/${t} test:\n${listed}")
  endif()
endforeach()
if(NOT listed MATCHES "kernel_style/fuzz")
  message(FATAL_ERROR "adoption: no kernel_style/fuzz or kernel_style/fuzz_inputs test:\n${listed}")
endif()
step("ctest of the consumer project" ${CMAKE_CTEST_COMMAND} --test-dir ${WORK}/green --output-on-failure -E "/prove$")

# The installed ptcheck on its own finds the installed corpora (not the source tree it was built from):
# the gate, without fuzzing and properties (run above), replays PREFIX/share/ptcheck/corpora.
execute_process(COMMAND ${prefix}/bin/ptcheck check --contract linux --time 0 --cases 0
                        --target ${WORK}/green/libkernel_style.so
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
string(FIND "${out}" "${prefix}/share/ptcheck/corpora" at)
if(NOT rc EQUAL 0 OR at EQUAL -1)
  message(FATAL_ERROR "adoption: the installed `ptcheck check` exited ${rc} or did not use ${prefix}/share/ptcheck/corpora:\n${out}")
endif()
message(STATUS "adoption: the installed ptcheck check replays its installed corpora: ok")

step("configure it with -DKSTYLE_BREAK_SPLIT=ON" ${configure} -B ${WORK}/red -DKSTYLE_BREAK_SPLIT=ON)
step("build it" ${CMAKE_COMMAND} --build ${WORK}/red)
execute_process(COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${WORK}/red --output-on-failure -R "kernel_style/replay"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "FAIL [^\n]* lost-dirty:split")
  message(FATAL_ERROR "adoption: the broken split was not caught as lost-dirty (ctest exit ${rc}):\n${out}")
endif()
message(STATUS "adoption: the broken split fails kernel_style/replay with lost-dirty: ok")

# The red gate as a new user sees it: the installed `ptcheck check` fails (exit 1) with the race in its
# JUnit report (the prove stage refutes no-lost-dirty for the split the table really performs), and
# `ptcheck run --html` draws the race as a timeline page.
execute_process(COMMAND ${prefix}/bin/ptcheck check --contract linux --time 0 --cases 0 --target ${WORK}/red/libkernel_style.so
                        --junit ${WORK}/red-junit.xml
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(READ ${WORK}/red-junit.xml junit)
if(NOT rc EQUAL 1 OR NOT junit MATCHES "<failure message=\"refuted:split\\.bbml[12]\\.no-lost-dirty")
  message(FATAL_ERROR "adoption: the installed `ptcheck check` on the broken split exited ${rc} (want 1) or its JUnit report has no refuted split no-lost-dirty obligation:\n${out}")
endif()
message(STATUS "adoption: the installed ptcheck check is red on the broken split: ok")
execute_process(COMMAND ${prefix}/bin/ptcheck run --contract linux ${prefix}/share/ptcheck/corpora/oracles/split_plain_write.ops
                        --target ${WORK}/red/libkernel_style.so --html ${WORK}/race.html
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
file(READ ${WORK}/race.html page)
if(NOT rc EQUAL 1 OR NOT page MATCHES "<svg" OR NOT page MATCHES "lost-dirty:split")
  message(FATAL_ERROR "adoption: `ptcheck run --html` on the broken split exited ${rc} (want 1) or drew no timeline of the lost-dirty race:\n${out}")
endif()
message(STATUS "adoption: ${WORK}/race.html draws the race: ok")
