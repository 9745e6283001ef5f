# ptcheck_add_target(NAME SOURCES src... [C_STANDARD N] [CXX_STANDARD N] [COMPILE_DEFINITIONS def...]
#                    [FUZZ_SECONDS S] [PROPERTY_CASES N] [STRESS_SECONDS S] [OSS_FUZZER name]
#                    [FUZZ_SEEDS dir...] [NO_TESTS])
#
# Builds a page table implementing include/ptcheck/target.h (SPEC section 6) from SOURCES as the
# MODULE library NAME (what `ptcheck ... --target` loads), and registers its checks as ctest tests,
# each running the installed ptcheck against it (labels `ptcheck` and `ptcheck-NAME`):
#
#   NAME/replay       ptcheck replay: every scenario, regression and oracle script of the installed
#                     corpora (they hold on any correct table)
#   NAME/fuzz         with a C++ compiler that links -fsanitize=fuzzer (clang): fuzz_ops built for NAME
#                     (NAME_fuzz_ops, the installed harness + libFuzzer, NAME recompiled with coverage
#                     and ASan+UBSan as NAME_fuzz_target) and `ptcheck fuzz` for FUZZ_SECONDS
#                     (default 10) from seed 1 and the installed seeds; a crash becomes a minimized .ops under
#                     BUILD/ptcheck-NAME/regressions/
#   NAME/fuzz_inputs  otherwise: the installed fuzz_ops seed corpus replayed as scripts
#   NAME/properties   ptcheck properties: the RapidCheck suites, PROPERTY_CASES cases (default 100), seed 1
#   NAME/prove        ptcheck prove: the Z3 obligations on NAME's recorded step sequences
#   NAME/stress       ptcheck stress: real threads and deterministic schedules, STRESS_SECONDS (default 3)
#
# SOURCES may be C or C++. The library exports ptc_target() and nothing it does not define itself;
# it links ptcheck::headers (target.h, kernel_shim.h). NO_TESTS builds the library only.
#
# ptcheck_add_kernel_target(NAME SOURCES file.c... [INCLUDE_DIRS dir...] [INIT_FNS sym] [SPLIT fn]
#                           [MERGE fn] [UNMAP_READ_DIRTY fn] [API 5|6] [CONTRACT linux|spec] [NO_INSTRUMENT]
#                           [COMPILE_DEFINITIONS def...] [FUZZ_SECONDS S] [PROPERTY_CASES N]
#                           [STRESS_SECONDS S] [OSS_FUZZER name] [FUZZ_SEEDS dir...] [NO_TESTS])
#
# Builds a kernel io-pgtable file, unchanged (SPEC section 10; docs/kernel.md), as the MODULE library
# NAME: one generated translation unit, NAME_kernel_tu.c, #includes each SOURCES file (by absolute
# path, so its own quote includes such as "io-pgtable-arm.h" are found beside it) and then ptcheck's
# adapter (kernel/adapter/io_pgtable_adapter.c), which plays Linux's callers of the file's
# io_pgtable_ops. It is compiled as GNU C11 with INCLUDE_DIRS first (a kernel's own patched
# include/linux/io-pgtable.h, say), then ptcheck's kernel include tree, and linked with ptcheck's
# kernel runtime. The adapter's knobs:
#   INIT_FNS sym          the io_pgtable_init_fns to use (default io_pgtable_arm_64_lpae_s1_init_fns)
#   SPLIT / MERGE / UNMAP_READ_DIRTY fn
#                         functions of the file (static ones too) for the operations mainline has no
#                         io_pgtable_ops member for, e.g. the 2021 RFC's arm_lpae_split_block and
#                         arm_lpae_merge_page; without one the operation is not offered (SPEC 6)
#   API 5|6               the file's io_pgtable_ops generation: 5 (v5.10: map, unmap, lazy mode as the
#                         NON_STRICT quirk, no dirty read) or 6 (map_pages, unmap_pages,
#                         read_and_clear_dirty). Needed only for a v5.10 file under ptcheck's own
#                         io-pgtable.h (it has both generations' members); a kernel's own header
#                         says which it is
#   CONTRACT              the profile the tests run in (SPEC 9; default linux)
# With clang and ptcheck's access instrumentation plugin, the kernel file is compiled with it, so
# its plain descriptor loads and stores reach the harness; NO_INSTRUMENT (or another compiler)
# builds it without, and ptcheck then reports plain descriptor stores as contract errors (SPEC 6).
# The tests are ptcheck_add_target's, each run with --contract CONTRACT.
#
# OSS-Fuzz and ClusterFuzzLite (docs/ci.md): configured with -DPTCHECK_OSS_FUZZ=ON (tools/oss_fuzz_build.sh
# does it inside their build image, from their build environment: CC, CXX, CFLAGS, CXXFLAGS,
# LIB_FUZZING_ENGINE, OUT), both functions register no tests; instead the target `ptcheck_oss_fuzz` builds,
# for each table,
#   $OUT/fuzz_ops                  fuzz_ops with the table linked in, the table compiled with the build's
#                                  flags (sanitizer and coverage: libFuzzer is guided by the table's own
#                                  code), a kernel file with the access instrumentation as well; the
#                                  table's CONTRACT is the fuzzer's profile
#   $OUT/fuzz_ops_seed_corpus.zip  ptcheck's fuzz_ops seeds, scenarios, oracle scripts and regressions,
#                                  and the .ops files of FUZZ_SEEDS folders
#   $OUT/fuzz_ops.dict, .options   the dictionary and libFuzzer options
# OSS_FUZZER names the fuzzer instead of fuzz_ops (a project with two tables gives one of them another
# name). The harness linked is the one found by find_package(ptcheck): it must be built with the same
# flags (tools/oss_fuzz_build.sh builds it).
include_guard(GLOBAL)
include(CheckCXXSourceCompiles)

# PTCHECK_OSS_FUZZ: build OSS-Fuzz / ClusterFuzzLite fuzzers of the tables instead of their tests (above).
option(PTCHECK_OSS_FUZZ "Build each ptcheck table's fuzz_ops into PTCHECK_OSS_FUZZ_OUT (OSS-Fuzz, ClusterFuzzLite)" OFF)
set(PTCHECK_OSS_FUZZ_OUT "$ENV{OUT}" CACHE PATH "PTCHECK_OSS_FUZZ: where the fuzzers go (OSS-Fuzz's $OUT)")
set(PTCHECK_OSS_FUZZ_ENGINE "$ENV{LIB_FUZZING_ENGINE}" CACHE STRING
    "PTCHECK_OSS_FUZZ: what links the fuzzing engine (OSS-Fuzz's $LIB_FUZZING_ENGINE; empty: -fsanitize=fuzzer)")
set(_ptcheck_cmake_dir ${CMAKE_CURRENT_LIST_DIR})

# What the functions use, set by ptcheckConfig.cmake (an installed ptcheck) or cmake/ptcheck_intree.cmake
# (this project's own build): PTCHECK_EXECUTABLE, PTCHECK_CORPORA_DIR, PTCHECK_HAS_PROPERTIES,
# PTCHECK_HAS_PROVE, PTCHECK_INCLUDE_DIR (include/, for ptcheck/target.h), PTCHECK_KERNEL_INCLUDE_DIR
# (the kernel include tree: include/ptcheck, holding linux/ and asm/), PTCHECK_KERNEL_DIR (runtime/ and
# adapter/), PTCHECK_ACCESS_PLUGIN and PTCHECK_ACCESS_COMPILE_OPTIONS (kernel/instrument/CMakeLists.txt;
# empty without the plugin) and the fuzz_ops driver library to link:
if(NOT DEFINED PTCHECK_FUZZ_OPS_DRIVER)
  set(PTCHECK_FUZZ_OPS_DRIVER ptcheck::ptc_fuzz_ops_driver)
endif()

# NAME's sources as a library `lib` of `type` (MODULE: what ptcheck loads; OBJECT: linked into an OSS-Fuzz
# fuzzer), from ptcheck_add_target's arguments (arg_*, from its scope).
function(_ptcheck_target_library lib type)
  add_library(${lib} ${type} ${arg_SOURCES})
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

# The arguments `fn` (ptcheck_add_target or ptcheck_add_kernel_target) was given (arg_*, in the
# caller's scope): an error for unknown ones or no SOURCES; FUZZ_SECONDS, PROPERTY_CASES and
# STRESS_SECONDS get their defaults, and must be positive numbers.
macro(_ptcheck_check_arguments fn name)
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${fn}(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "${fn}(${name}): no SOURCES")
  endif()
  foreach(opt FUZZ_SECONDS:10 PROPERTY_CASES:100 STRESS_SECONDS:3)
    string(REPLACE ":" ";" opt "${opt}")
    list(GET opt 0 key)
    list(GET opt 1 default)
    if(NOT DEFINED arg_${key})
      set(arg_${key} ${default})
    elseif(NOT arg_${key} MATCHES "^[1-9][0-9]*$")
      message(FATAL_ERROR "${fn}(${name}): ${key} must be a positive number, not '${arg_${key}}'")
    endif()
  endforeach()
endmacro()

function(ptcheck_add_target name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_TESTS"
                        "C_STANDARD;CXX_STANDARD;FUZZ_SECONDS;PROPERTY_CASES;STRESS_SECONDS;OSS_FUZZER"
                        "SOURCES;COMPILE_DEFINITIONS;FUZZ_SEEDS")
  _ptcheck_check_arguments(ptcheck_add_target ${name})
  _ptcheck_target_library(${name} MODULE)
  if(NOT arg_NO_TESTS)
    _ptcheck_add_tests(${name} _ptcheck_target_library "")
  endif()
endfunction()

# The kernel library `lib` (of `type`, as _ptcheck_target_library) of ptcheck_add_kernel_target
# (arguments arg_* and the generated unit `tu` from its scope): the unit, compiled with the access
# instrumentation where it can be, and the runtime, never instrumented (it is what the instrumented
# accesses call).
function(_ptcheck_kernel_library lib type)
  add_library(${lib} ${type} ${tu} ${PTCHECK_KERNEL_DIR}/runtime/ptc_kernel_runtime.c)
  set_target_properties(${lib} PROPERTIES PREFIX "lib" C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS ON)
  target_include_directories(${lib} BEFORE PRIVATE ${arg_INCLUDE_DIRS} ${PTCHECK_KERNEL_INCLUDE_DIR}
                             ${PTCHECK_INCLUDE_DIR} ${PTCHECK_KERNEL_DIR}/runtime)
  target_compile_definitions(${lib} PRIVATE ${defs} ${arg_COMPILE_DEFINITIONS})
  if(instrument)
    set_source_files_properties(${tu} PROPERTIES COMPILE_OPTIONS "${PTCHECK_ACCESS_COMPILE_OPTIONS}"
                                OBJECT_DEPENDS ${PTCHECK_ACCESS_PLUGIN})
  endif()
endfunction()

function(ptcheck_add_kernel_target name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_TESTS;NO_INSTRUMENT"
                        "INIT_FNS;SPLIT;MERGE;UNMAP_READ_DIRTY;API;CONTRACT;FUZZ_SECONDS;PROPERTY_CASES;STRESS_SECONDS;OSS_FUZZER"
                        "SOURCES;INCLUDE_DIRS;COMPILE_DEFINITIONS;FUZZ_SEEDS")
  set(fn ptcheck_add_kernel_target)
  _ptcheck_check_arguments(${fn} ${name})
  if(NOT DEFINED arg_CONTRACT)
    set(arg_CONTRACT linux)
  elseif(NOT arg_CONTRACT MATCHES "^(linux|spec)$")
    message(FATAL_ERROR "${fn}(${name}): CONTRACT must be linux or spec, not '${arg_CONTRACT}'")
  endif()
  if(NOT EXISTS ${PTCHECK_KERNEL_DIR}/adapter/io_pgtable_adapter.c)
    message(FATAL_ERROR "${fn}(${name}): this ptcheck has no kernel adapter (${PTCHECK_KERNEL_DIR})")
  endif()

  # The translation unit: the file(s) as they are, then the callers.
  set(tu ${CMAKE_CURRENT_BINARY_DIR}/${name}_kernel_tu.c)
  set(text "/* Generated by ptcheck_add_kernel_target(${name}): the kernel file(s), unchanged, then ptcheck's callers. */\n")
  foreach(src IN LISTS arg_SOURCES)
    get_filename_component(src ${src} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    if(NOT EXISTS ${src})
      message(FATAL_ERROR "${fn}(${name}): no such source: ${src}")
    endif()
    string(APPEND text "#include \"${src}\"\n")
  endforeach()
  string(APPEND text "#include \"${PTCHECK_KERNEL_DIR}/adapter/io_pgtable_adapter.c\"\n")
  file(CONFIGURE OUTPUT ${tu} CONTENT "${text}" @ONLY)

  set(defs PTC_KERNEL_NAME="${name}")
  if(DEFINED arg_API)
    if(NOT arg_API MATCHES "^[56]$")
      message(FATAL_ERROR "${fn}(${name}): API must be 5 or 6, not '${arg_API}'")
    endif()
    list(APPEND defs PTC_KERNEL_API=${arg_API})
  endif()
  foreach(knob INIT_FNS SPLIT MERGE UNMAP_READ_DIRTY)
    if(arg_${knob})
      if(NOT arg_${knob} MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
        message(FATAL_ERROR "${fn}(${name}): ${knob} must name a C symbol, not '${arg_${knob}}'")
      endif()
      list(APPEND defs PTC_KERNEL_${knob}=${arg_${knob}})
    endif()
  endforeach()

  # The access instrumentation loads into the clang it was built for only.
  set(instrument OFF)
  if(NOT arg_NO_INSTRUMENT)
    if(CMAKE_C_COMPILER_ID MATCHES "Clang" AND PTCHECK_ACCESS_COMPILE_OPTIONS AND
       CMAKE_C_COMPILER_VERSION VERSION_GREATER_EQUAL 14 AND CMAKE_C_COMPILER_VERSION VERSION_LESS 15)
      set(instrument ON)
    else()
      message(WARNING "${fn}(${name}): ${name} is NOT instrumented (it needs clang 14 and ptcheck's access "
                      "instrumentation plugin; C compiler: ${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}, "
                      "plugin: '${PTCHECK_ACCESS_PLUGIN}'): ptcheck will report the file's plain descriptor "
                      "stores as contract errors")
    endif()
  endif()

  if(PTCHECK_OSS_FUZZ AND NOT arg_NO_TESTS AND NOT instrument)
    # Every plain descriptor store of the file would be a contract error: the fuzzer would report
    # nothing else.
    message(FATAL_ERROR "${fn}(${name}): PTCHECK_OSS_FUZZ: an uninstrumented kernel file cannot be fuzzed; it "
                        "needs clang 14 and ptcheck's access instrumentation plugin (ptcheck built where "
                        "llvm-14-dev is installed)")
  endif()
  _ptcheck_kernel_library(${name} MODULE)
  if(NOT arg_NO_TESTS)
    _ptcheck_add_tests(${name} _ptcheck_kernel_library ${arg_CONTRACT})
  endif()
endfunction()

# ptcheck's checks of the library `name` as ctest tests (with PTCHECK_OSS_FUZZ: its OSS-Fuzz fuzzer
# instead). `make_library` (a function of two arguments, a target name and a library type) builds the
# library again, for the fuzzer's coverage copy; `contract`: the profile the tests run in (empty:
# ptcheck's default, spec).
function(_ptcheck_add_tests name make_library contract)
  if(PTCHECK_OSS_FUZZ)
    _ptcheck_add_oss_fuzz(${name} ${make_library} "${contract}")
    return()
  endif()
  if(NOT PTCHECK_EXECUTABLE)
    message(WARNING "${name}: this ptcheck was installed without its CLI (bin/ptcheck): no tests registered")
    return()
  endif()
  set(ptcheck ${PTCHECK_EXECUTABLE})
  set(lib $<TARGET_FILE:${name}>)
  set(corpora ${PTCHECK_CORPORA_DIR})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/ptcheck-${name})
  set(profile "")
  if(contract)
    set(profile --contract ${contract})
  endif()
  set(tests ${name}/replay)
  add_test(NAME ${name}/replay COMMAND ${ptcheck} replay ${corpora}/scenarios ${corpora}/regressions ${corpora}/oracles
           --target ${lib} ${profile})

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
    # The table again, with libFuzzer's coverage and ASan+UBSan, loaded only by the fuzzer (the plain
    # ptcheck has no coverage runtime to resolve those hooks). It is the only instrumented code of that
    # fuzzer: the harness it links is built as ptcheck was (optimized, in a fuzz build), so the fuzzer's
    # time and coverage are the table's (docs/fuzzing.md, "What is instrumented").
    cmake_language(CALL ${make_library} ${name}_fuzz_target MODULE)
    target_compile_options(${name}_fuzz_target PRIVATE -fsanitize=address,undefined,fuzzer-no-link
                           -fno-sanitize-recover=all -fno-omit-frame-pointer)
    # `ptcheck fuzz` runs FUZZERS_DIR/fuzz_ops, so the binary is named that, in its own folder.
    # Its code is all in the installed driver (whole, so LLVMFuzzerTestOneInput and the custom
    # mutator are in); an executable still needs a source file.
    file(CONFIGURE OUTPUT ${work}/fuzz_ops_main.cpp
         CONTENT "// fuzz_ops for ${name}: LLVMFuzzerTestOneInput is in ptcheck::ptc_fuzz_ops_driver.\n")
    add_executable(${name}_fuzz_ops ${work}/fuzz_ops_main.cpp)
    target_link_libraries(${name}_fuzz_ops PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${PTCHECK_FUZZ_OPS_DRIVER}>")
    # The sanitizer runtimes the instrumented table calls, whatever the harness was built with.
    target_link_options(${name}_fuzz_ops PRIVATE -fsanitize=fuzzer,address,undefined)
    # ENABLE_EXPORTS: the instrumented table, dlopened, finds libFuzzer's coverage hooks in it.
    set_target_properties(${name}_fuzz_ops PROPERTIES OUTPUT_NAME fuzz_ops RUNTIME_OUTPUT_DIRECTORY ${work}/fuzzers
                          ENABLE_EXPORTS ON)
    add_dependencies(${name}_fuzz_ops ${name}_fuzz_target)
    # Each run starts from the installed seeds alone (a fresh corpus in a run folder of its own: an installed
    # ptcheck makes it under the working directory, ${work}/fuzz-runs/), from seed 1.
    # ptcheck loads NAME (for reproducers), the fuzzer the instrumented copy (PTCHECK_FUZZ_TARGET).
    add_test(NAME ${name}/fuzz
             COMMAND ${CMAKE_COMMAND} -E env PTCHECK_FUZZ_TARGET=$<TARGET_FILE:${name}_fuzz_target>
                     ${ptcheck} fuzz fuzz_ops --fuzzers ${work}/fuzzers --time ${arg_FUZZ_SECONDS} --seed 1
                     --target ${lib} ${profile})
    set_tests_properties(${name}/fuzz PROPERTIES TIMEOUT 600 WORKING_DIRECTORY ${work})
    list(APPEND tests ${name}/fuzz)
  else()
    add_test(NAME ${name}/fuzz_inputs COMMAND ${ptcheck} replay ${corpora}/fuzz/fuzz_ops --target ${lib} ${profile})
    list(APPEND tests ${name}/fuzz_inputs)
  endif()

  if(PTCHECK_HAS_PROPERTIES)
    add_test(NAME ${name}/properties COMMAND ${ptcheck} properties --cases ${arg_PROPERTY_CASES} --seed 1 --target ${lib}
             ${profile})
    add_test(NAME ${name}/stress COMMAND ${ptcheck} stress --time ${arg_STRESS_SECONDS} --seed 1 --out ${work}/stress
             --target ${lib} ${profile})
    set_tests_properties(${name}/properties ${name}/stress PROPERTIES WORKING_DIRECTORY ${work})
    list(APPEND tests ${name}/properties ${name}/stress)
  endif()
  if(PTCHECK_HAS_PROVE)
    add_test(NAME ${name}/prove COMMAND ${ptcheck} prove --target ${lib} ${profile})
    list(APPEND tests ${name}/prove)
  endif()
  file(MAKE_DIRECTORY ${work})
  set_tests_properties(${tests} PROPERTIES LABELS "ptcheck;ptcheck-${name}")
endfunction()

# The OSS-Fuzz fuzzer of the library `name` (arguments as _ptcheck_add_tests'; arg_OSS_FUZZER and
# arg_FUZZ_SEEDS from the caller's scope): the table as objects linked into fuzz_ops, then its seed
# corpus zip, dictionary and options beside it (ptcheck_oss_fuzz_seeds.cmake).
function(_ptcheck_add_oss_fuzz name make_library contract)
  set(fuzzer fuzz_ops)
  if(arg_OSS_FUZZER)
    if(NOT arg_OSS_FUZZER MATCHES "^[A-Za-z0-9_-]+$")
      message(FATAL_ERROR "${name}: OSS_FUZZER must be a file name of letters, digits, _ and -, not '${arg_OSS_FUZZER}'")
    endif()
    set(fuzzer ${arg_OSS_FUZZER})
  endif()
  if(TARGET ptcheck_oss_fuzz_${fuzzer})
    message(FATAL_ERROR "${name}: a second table's fuzzer named ${fuzzer}; give one of them another name (OSS_FUZZER)")
  endif()
  if(NOT PTCHECK_OSS_FUZZ_OUT)
    message(FATAL_ERROR "${name}: PTCHECK_OSS_FUZZ: no output folder (set OUT, as OSS-Fuzz does, or PTCHECK_OSS_FUZZ_OUT)")
  endif()
  set(engine "${PTCHECK_OSS_FUZZ_ENGINE}")
  if(NOT engine)
    set(engine -fsanitize=fuzzer)
  endif()
  separate_arguments(engine UNIX_COMMAND "${engine}")

  cmake_language(CALL ${make_library} ${name}_oss_fuzz_table OBJECT)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/ptcheck-${name})
  set(main "// ${fuzzer} for ${name}: LLVMFuzzerTestOneInput is in ptcheck::ptc_fuzz_ops_driver, ptc_target() in the table.\n")
  if(contract)
    string(APPEND main "// The profile the table is checked in (fuzz/fuzz_ops.cpp reads it; PTCHECK_CONTRACT overrides).\n"
                       "extern \"C\" const char* ptcheck_linked_contract(void) { return \"${contract}\"; }\n")
  endif()
  file(CONFIGURE OUTPUT ${work}/oss_fuzz_main.cpp CONTENT "${main}")
  add_executable(ptcheck_oss_fuzz_${fuzzer} ${work}/oss_fuzz_main.cpp)
  # The engine after the objects: $LIB_FUZZING_ENGINE may be a library path.
  target_link_libraries(ptcheck_oss_fuzz_${fuzzer} PRIVATE ${name}_oss_fuzz_table
                        "$<LINK_LIBRARY:WHOLE_ARCHIVE,${PTCHECK_FUZZ_OPS_DRIVER}>" ${engine})
  set_target_properties(ptcheck_oss_fuzz_${fuzzer} PROPERTIES OUTPUT_NAME ${fuzzer}
                        RUNTIME_OUTPUT_DIRECTORY ${PTCHECK_OSS_FUZZ_OUT})
  set(seeds ${PTCHECK_CORPORA_DIR}/fuzz/fuzz_ops ${PTCHECK_CORPORA_DIR}/scenarios ${PTCHECK_CORPORA_DIR}/oracles
            ${PTCHECK_CORPORA_DIR}/regressions)
  foreach(dir IN LISTS arg_FUZZ_SEEDS)
    get_filename_component(dir ${dir} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    if(NOT IS_DIRECTORY ${dir})
      message(FATAL_ERROR "${name}: FUZZ_SEEDS: no such folder: ${dir}")
    endif()
    list(APPEND seeds ${dir})
  endforeach()
  string(REPLACE ";" "|" seeds "${seeds}")
  add_custom_command(TARGET ptcheck_oss_fuzz_${fuzzer} POST_BUILD
                     COMMAND ${CMAKE_COMMAND} -DFUZZER=${fuzzer} -DFROM=fuzz_ops -DOUT=${PTCHECK_OSS_FUZZ_OUT}
                             -DFUZZ_DIR=${PTCHECK_CORPORA_DIR}/fuzz -DSEED_DIRS=${seeds} -DSTAGE=${work}/oss_fuzz_seeds
                             -P ${_ptcheck_cmake_dir}/ptcheck_oss_fuzz_seeds.cmake
                     VERBATIM)
  if(NOT TARGET ptcheck_oss_fuzz)
    add_custom_target(ptcheck_oss_fuzz)
  endif()
  add_dependencies(ptcheck_oss_fuzz ptcheck_oss_fuzz_${fuzzer})
endfunction()
