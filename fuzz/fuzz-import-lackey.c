// SPDX-License-Identifier: LGPL-2.1-or-later
/* Fuzz target for the lackey importer (lib/ops/import*.c); see fuzz-import.h. */
#include "fuzz-import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_import(data, size, PGT_IMPORT_LACKEY, 0);
	fuzz_import(data, size, PGT_IMPORT_LACKEY, 1);
	return 0;
}
