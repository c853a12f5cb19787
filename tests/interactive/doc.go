// Package interactive runs ansible-playbook and fjord under a
// pseudo-terminal with the same scripted keystrokes (--step, pause,
// vars_prompt) and compares what each printed on the terminal byte for
// byte, after the clock readings are normalised. It needs ansible-playbook
// (skipped without it, a failure when FJORD_TEST_REQUIRE=1).
package interactive
