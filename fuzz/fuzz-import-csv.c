// SPDX-License-Identifier: LGPL-2.1-or-later
/* Fuzz target for the csv importer (lib/ops/import*.c); see fuzz-import.h. */
#include "fuzz-import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_import(data, size, PGT_IMPORT_CSV, 0);
	fuzz_import(data, size, PGT_IMPORT_CSV, 1);
	return 0;
}
