/* A shared library that is not a target: it lacks the ptc_target symbol. */
int ptc_not_a_target(void) { return 0; }
