// SPDX-License-Identifier: LGPL-2.1-or-later
/* Fuzz target for the perf script and trace-cmd report importer (lib/ops/import*.c); see fuzz-import.h. */
#include "fuzz-import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_import(data, size, PGT_IMPORT_PERF_SCRIPT, 0);
	fuzz_import(data, size, PGT_IMPORT_PERF_SCRIPT, 1);
	/* detection too: any input, any format */
	fuzz_import(data, size, PGT_IMPORT_AUTO, 0);
	return 0;
}
