# VARIANT=fuzz (make fuzz): one libFuzzer binary per fuzz/*.cpp, built with
# clang against the core, with ASan and UBSan; no module, no unit tests.
# llvm brings llvm-symbolizer, for file:line in the fuzzers' reports.
VARIANT_PACKAGES := clang libclang-rt-14-dev llvm
FUZZ_CXX      ?= clang++
CORE_CXX      := $(FUZZ_CXX)
CORE_FLAGS    := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fsanitize=fuzzer-no-link
FUZZ_LDFLAGS  := -fsanitize=fuzzer
VARIANT_BUILDS = $(FUZZ_BINS)
VARIANT_TESTS := fuzz-run
