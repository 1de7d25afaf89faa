# Two commands on a fresh Debian 12 machine:
#   make run    install deps, build (Release), start confab-server (+ the client with a display)
#   make test   install deps, build, run every test through CTest
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
PORT       ?= 7080

.PHONY: all deps configure build run test package bench bench-medians screenshot screenshots sanitize fuzz clean

all: build

deps:
	@packaging/deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_EXTRA) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) --parallel $(JOBS)

run: build
	@packaging/run-local.sh $(BUILD_DIR) $(PORT)

test: build
	@cd $(BUILD_DIR) && QT_QPA_PLATFORM=offscreen ctest --output-on-failure --parallel $(JOBS)

# Debian packages (confab-server, confab) from the Release build into $(BUILD_DIR).
package: build
	@cd $(BUILD_DIR) && cpack
	@ls $(BUILD_DIR)/*.deb

# Benchmarks (Release build); figures are recorded in docs/benchmarks.md.
# BENCH_ARGS: extra confab-bench options, e.g. --no-pin (server and generator share both cores).
BENCH_ARGS ?=
bench: build
	@$(BUILD_DIR)/bench/confab-bench all --json $(BENCH_ARGS) | tee $(BUILD_DIR)/bench-server.txt
	@sed -n '/^{/,/^}/p' $(BUILD_DIR)/bench-server.txt > $(BUILD_DIR)/bench-server.json
	@$(BUILD_DIR)/bench/confab-bench plot $(BUILD_DIR)/bench-server.json $(BUILD_DIR)/bench-fanout.png
	@echo "fan-out plot: $(BUILD_DIR)/bench-fanout.png"
	@$(BUILD_DIR)/bench/confab-client-bench --events 100000 --runs 5

# The server suite RUNS times and the medians as Markdown tables (docs/benchmarks.md), ~4 min a run.
RUNS ?= 3
bench-medians: build
	@for i in $$(seq 1 $(RUNS)); do $(BUILD_DIR)/bench/confab-bench all --json $(BENCH_ARGS) > $(BUILD_DIR)/bench-run$$i.txt || exit 1; done
	@bench/summarize.py $$(for i in $$(seq 1 $(RUNS)); do echo $(BUILD_DIR)/bench-run$$i.txt; done)

# docs/screenshots/*.png (every screen, light and dark, DPR 1 and 2) under Xvfb (needs: apt install xvfb xauth).
screenshots: build
	@docs/screenshots/take.sh
screenshot: screenshots

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize:
	@$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo \
	  CMAKE_EXTRA=-DCONFAB_SANITIZE=ON
	@true

# The libraries under test (common, server, client network layer) built with clang (ASan +
# UBSan + libFuzzer coverage), then each fuzz target in tests/fuzz for FUZZ_SECONDS on its seed
# corpus; non-zero on any crash or failed check. FUZZ_ALL=1 builds every other target with
# clang too (tests, benchmarks, the client's widgets: about 25 minutes on 2 cores).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz_codecs fuzz_http_request fuzz_ws_frames fuzz_sse
fuzz:
	@packaging/deps.sh --fuzz
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=None \
	  "-DCMAKE_CXX_FLAGS=-O1 -gline-tables-only" -DCONFAB_BUILD_TESTS=$(if $(FUZZ_ALL),ON,OFF) \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCONFAB_FUZZ=ON >/dev/null
	@cmake --build build-fuzz --parallel $(JOBS) $(if $(FUZZ_ALL),,--target $(FUZZ_TARGETS))
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz
