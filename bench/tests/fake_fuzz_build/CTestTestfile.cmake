# A stand-in for the fuzz build's tests (bench/tests): two fuzz-broken tests whose target is found, one
# whose target is not (its expected finding never shows), and a test of another label, which the suite's
# time-to-find measures must leave alone. A find takes a moment (sleep): ctest gives times to the hundredth
# of a second, and a find in "0.00 sec" would be no figure (the suite's JSON check wants it positive).
add_test(fuzz/fuzz_ops/finds/fake_found "/bin/sh" "-c" "sleep 0.05; echo 'ptcheck signature: fake:map:cfg'")
set_tests_properties(fuzz/fuzz_ops/finds/fake_found PROPERTIES LABELS "fuzz-broken"
                     PASS_REGULAR_EXPRESSION "ptcheck signature: ")
add_test(fuzz/fuzz_bitmap/finds/fake_found "/bin/sh" "-c" "sleep 0.05; echo 'fuzz_bitmap: mismatch at byte 3'")
set_tests_properties(fuzz/fuzz_bitmap/finds/fake_found PROPERTIES LABELS "fuzz-broken"
                     PASS_REGULAR_EXPRESSION "fuzz_bitmap: mismatch at byte")
add_test(fuzz/fuzz_ops/finds/fake_missed "/bin/sh" "-c" "echo 'Done 100 runs in 1 second(s)'")
set_tests_properties(fuzz/fuzz_ops/finds/fake_missed PROPERTIES LABELS "fuzz-broken"
                     PASS_REGULAR_EXPRESSION "ptcheck signature: ")
add_test(fuzz/fuzz_ops/replay "/bin/sh" "-c" "exit 1")
set_tests_properties(fuzz/fuzz_ops/replay PROPERTIES LABELS "fuzz")
