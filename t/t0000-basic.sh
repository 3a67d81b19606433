#!/bin/bash
# The pgtrace command itself: help, version, unknown commands.
. "$(dirname "$0")/lib-test.sh"

test_expect_success 'help lists the commands' '
	pgtrace --help >out &&
	grep -q "^  info " out && grep -q "^  dump " out && grep -q "^  gen " out
'
test_expect_success 'every command has --help with examples' '
	for c in info dump gen; do
		pgtrace $c --help >out && grep -q "^Examples:" out || exit 1
		pgtrace help $c >out2 && test_cmp out out2 || exit 1
	done
'
test_expect_success 'version names the format' '
	pgtrace --version | grep -q "trace format 1\.3"
'
test_expect_success 'no command is a usage error' '
	test_must_fail --code=2 pgtrace 2>err && grep -q Usage err
'
test_expect_success 'unknown command: one line, exit 2' '
	test_must_fail --code=2 pgtrace frobnicate 2>err >out &&
	grep -q "'"'"'frobnicate'"'"' is not a pgtrace command" err && ! test -s out
'
test_expect_success 'unknown option of a command: exit 2 with a hint' '
	test_must_fail --code=2 pgtrace info --bogus x 2>err &&
	grep -q "^pgtrace info: unrecognized option" err &&
	grep -q "Try '"'"'pgtrace info --help'"'"'" err
'
test_done
