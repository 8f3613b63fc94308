/*
 * libFuzzer target for posix/vm: the fuzzer's bytes drive the
 * model-checked walk of tests/model.h (mmap/munmap/mprotect, reads and
 * writes through a simulated MMU, fork, exit, allocation failures) and
 * every result is checked against the model; a mismatch aborts. Built
 * with ASan/UBSan by 'scons fuzz-host' into <O>/host/fuzz/fuzz_vm, so a
 * use after free in the object lists or a leak is reported too.
 *
 *   build/<O>/host/fuzz/fuzz_vm -runs=200000 posix/vm/fuzz/corpus/fuzz_vm
 *
 * (a copy of the corpus directory keeps the tree unchanged).
 */
#define VM_HARNESS_FUZZ
#include "../tests/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	model_run(data, size);
	return 0;
}
