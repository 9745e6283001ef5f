# ptcheck_add_target(NAME SOURCES src... [C_STANDARD N] [CXX_STANDARD N] [COMPILE_DEFINITIONS def...]
#                    [FUZZ_SECONDS S] [PROPERTY_CASES N] [STRESS_SECONDS S] [NO_TESTS])
#
# Builds a page table implementing include/ptcheck/target.h (SPEC section 6) from SOURCES as the
# MODULE library NAME (what `ptcheck ... --target` loads), and registers its checks as ctest tests,
# each running the installed ptcheck against it (labels `ptcheck` and `ptcheck-NAME`):
#
#   NAME/replay       ptcheck replay: every scenario, regression and oracle script of the installed
#                     corpora (they hold on any correct table)
#   NAME/fuzz         with a C++ compiler that links -fsanitize=fuzzer (clang): fuzz_ops built for NAME
#                     (NAME_fuzz_ops, the installed harness + libFuzzer, NAME recompiled with coverage
#                     as NAME_fuzz_target) and `ptcheck fuzz` for FUZZ_SECONDS (default 10) from seed 1
#                     and the installed seeds; a crash becomes a minimized .ops under
#                     BUILD/ptcheck-NAME/regressions/
#   NAME/fuzz_inputs  otherwise: the installed fuzz_ops seed corpus replayed as scripts
#   NAME/properties   ptcheck properties: the RapidCheck suites, PROPERTY_CASES cases (default 100), seed 1
#   NAME/prove        ptcheck prove: the Z3 obligations on NAME's recorded step sequences
#   NAME/stress       ptcheck stress: real threads and deterministic schedules, STRESS_SECONDS (default 3)
#
# SOURCES may be C or C++. The library exports ptc_target() and nothing it does not define itself;
# it links ptcheck::headers (target.h, kernel_shim.h). NO_TESTS builds the library only.
include_guard(GLOBAL)
include(CheckCXXSourceCompiles)

# NAME's sources as a MODULE library `lib` (ptcheck_add_target's arguments, arg_*, from its scope).
function(_ptcheck_target_library lib)
  add_library(${lib} MODULE ${arg_SOURCES})
  target_link_libraries(${lib} PRIVATE ptcheck::headers)
  set_target_properties(${lib} PROPERTIES PREFIX "lib")
  if(arg_C_STANDARD)
    set_target_properties(${lib} PROPERTIES C_STANDARD ${arg_C_STANDARD} C_STANDARD_REQUIRED ON)
  endif()
  if(arg_CXX_STANDARD)
    set_target_properties(${lib} PROPERTIES CXX_STANDARD ${arg_CXX_STANDARD} CXX_STANDARD_REQUIRED ON)
  endif()
  if(arg_COMPILE_DEFINITIONS)
    target_compile_definitions(${lib} PRIVATE ${arg_COMPILE_DEFINITIONS})
  endif()
endfunction()

function(ptcheck_add_target name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_TESTS" "C_STANDARD;CXX_STANDARD;FUZZ_SECONDS;PROPERTY_CASES;STRESS_SECONDS"
                        "SOURCES;COMPILE_DEFINITIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ptcheck_add_target(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "ptcheck_add_target(${name}): no SOURCES")
  endif()
  foreach(opt FUZZ_SECONDS:10 PROPERTY_CASES:100 STRESS_SECONDS:3)
    string(REPLACE ":" ";" opt "${opt}")
    list(GET opt 0 key)
    list(GET opt 1 default)
    if(NOT DEFINED arg_${key})
      set(arg_${key} ${default})
    elseif(NOT arg_${key} MATCHES "^[1-9][0-9]*$")
      message(FATAL_ERROR "ptcheck_add_target(${name}): ${key} must be a positive number, not '${arg_${key}}'")
    endif()
  endforeach()

  _ptcheck_target_library(${name})
  if(arg_NO_TESTS)
    return()
  endif()

  set(ptcheck ${PTCHECK_EXECUTABLE})
  set(lib $<TARGET_FILE:${name}>)
  set(corpora ${PTCHECK_CORPORA_DIR})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/ptcheck-${name})
  set(tests ${name}/replay)
  add_test(NAME ${name}/replay COMMAND ${ptcheck} replay ${corpora}/scenarios ${corpora}/regressions ${corpora}/oracles
           --target ${lib})

  # libFuzzer: the C++ compiler must link -fsanitize=fuzzer (clang; gcc has no libFuzzer).
  if(NOT DEFINED PTCHECK_LIBFUZZER_WORKS AND CMAKE_CXX_COMPILER_LOADED)
    set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
    check_cxx_source_compiles("
      #include <cstddef>
      #include <cstdint>
      extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }" PTCHECK_LIBFUZZER_WORKS)
    unset(CMAKE_REQUIRED_FLAGS)
  endif()
  if(PTCHECK_LIBFUZZER_WORKS AND (NOT CMAKE_C_COMPILER_LOADED OR CMAKE_C_COMPILER_ID MATCHES "Clang"))
    # The table again, with libFuzzer's coverage, loaded only by the fuzzer (the plain ptcheck has
    # no coverage runtime to resolve those hooks).
    _ptcheck_target_library(${name}_fuzz_target)
    target_compile_options(${name}_fuzz_target PRIVATE -fsanitize=fuzzer-no-link)
    # `ptcheck fuzz` runs FUZZERS_DIR/fuzz_ops, so the binary is named that, in its own folder.
    # Its code is all in the installed driver (whole, so LLVMFuzzerTestOneInput and the custom
    # mutator are in); an executable still needs a source file.
    file(CONFIGURE OUTPUT ${work}/fuzz_ops_main.cpp
         CONTENT "// fuzz_ops for ${name}: LLVMFuzzerTestOneInput is in ptcheck::ptc_fuzz_ops_driver.\n")
    add_executable(${name}_fuzz_ops ${work}/fuzz_ops_main.cpp)
    target_link_libraries(${name}_fuzz_ops PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,ptcheck::ptc_fuzz_ops_driver>")
    target_link_options(${name}_fuzz_ops PRIVATE -fsanitize=fuzzer)
    # ENABLE_EXPORTS: the instrumented table, dlopened, finds libFuzzer's coverage hooks in it.
    set_target_properties(${name}_fuzz_ops PROPERTIES OUTPUT_NAME fuzz_ops RUNTIME_OUTPUT_DIRECTORY ${work}/fuzzers
                          ENABLE_EXPORTS ON)
    add_dependencies(${name}_fuzz_ops ${name}_fuzz_target)
    # Each run starts from the installed seeds alone (a fresh campaign folder), from seed 1.
    # ptcheck loads NAME (for reproducers), the fuzzer the instrumented copy (PTCHECK_FUZZ_TARGET).
    add_test(NAME ${name}/fuzz
             COMMAND ${CMAKE_COMMAND} -E env PTCHECK_FUZZ_TARGET=$<TARGET_FILE:${name}_fuzz_target>
                     sh -c "rm -rf \"$0/campaigns\" && exec \"$@\"" ${work} ${ptcheck} fuzz fuzz_ops
                     --fuzzers ${work}/fuzzers --time ${arg_FUZZ_SECONDS} --seed 1 --corpora ${work} --target ${lib})
    set_tests_properties(${name}/fuzz PROPERTIES TIMEOUT 600)
    list(APPEND tests ${name}/fuzz)
  else()
    add_test(NAME ${name}/fuzz_inputs COMMAND ${ptcheck} replay ${corpora}/fuzz/fuzz_ops --target ${lib})
    list(APPEND tests ${name}/fuzz_inputs)
  endif()

  if(PTCHECK_HAS_PROPERTIES)
    add_test(NAME ${name}/properties COMMAND ${ptcheck} properties --cases ${arg_PROPERTY_CASES} --seed 1 --target ${lib})
    add_test(NAME ${name}/stress COMMAND ${ptcheck} stress --time ${arg_STRESS_SECONDS} --seed 1 --out ${work}/stress
             --target ${lib})
    set_tests_properties(${name}/properties ${name}/stress PROPERTIES WORKING_DIRECTORY ${work})
    list(APPEND tests ${name}/properties ${name}/stress)
  endif()
  if(PTCHECK_HAS_PROVE)
    add_test(NAME ${name}/prove COMMAND ${ptcheck} prove --target ${lib})
    list(APPEND tests ${name}/prove)
  endif()
  file(MAKE_DIRECTORY ${work})
  set_tests_properties(${tests} PROPERTIES LABELS "ptcheck;ptcheck-${name}")
endfunction()
