# Thin front end over CMake so that the README's commands stay short.
#   make demo            build, then report on the bundled sample week (text + HTML)
#   make test            build and run every test, plain and under ASan+UBSan
#   make check           build and run the quick tier (ctest -L quick: seconds, no
#                        browser, no peer daemon, no root)
#   make install PREFIX=/usr/local
#   make fuzz            build the libFuzzer targets (clang) and run each briefly
#   make bench           the benchmark against ra/racluster/racount (bench/README.md)
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
SAMPLE = tests/data/real-week/capture.argus
CMAKE_FLAGS ?=

.PHONY: all build demo test test-dev test-asan check install fuzz bench clean

all: build

build:
	@scripts/deps.sh build
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build build/release -j $(JOBS) >build/release.log 2>&1 || { cat build/release.log; exit 1; }

SITE = tests/data/real-week/site.conf

demo: build
	@echo "== vigil report -c $(SITE) -r $(SAMPLE) --html build/report.html"
	@build/release/vigil report -c $(SITE) -r $(SAMPLE) --html build/report.html
	@echo
	@echo "The HTML report (one self-contained file; open it in a browser): $(CURDIR)/build/report.html"

# both halves run even when the first fails; the summary names the half that failed
test:
	@rc=0; $(MAKE) --no-print-directory test-dev || rc=1; \
	$(MAKE) --no-print-directory test-asan || rc=$$((rc + 2)); \
	case $$rc in 0) echo "make test: plain and ASan+UBSan suites passed";; \
	1) echo "make test: the plain suite FAILED; the ASan+UBSan suite passed";; \
	2) echo "make test: the plain suite passed; the ASan+UBSan suite FAILED";; \
	*) echo "make test: both the plain and the ASan+UBSan suites FAILED";; esac; \
	[ $$rc = 0 ]

test-dev:
	@scripts/deps.sh test
	@cmake -S . -B build/dev -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build/dev -j $(JOBS) >build/dev.log 2>&1 || { cat build/dev.log; exit 1; }
	@cd build/dev && ctest --output-on-failure -j $(JOBS)

check:
	@scripts/deps.sh test
	@cmake -S . -B build/dev -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build/dev -j $(JOBS) >build/dev.log 2>&1 || { cat build/dev.log; exit 1; }
	@cd build/dev && ctest --output-on-failure -j $(JOBS) -L quick

test-asan:
	@scripts/deps.sh test
	@cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DVIGIL_WERROR=ON -DVIGIL_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build/asan -j $(JOBS) >build/asan.log 2>&1 || { cat build/asan.log; exit 1; }
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

install: build
	@cmake -S . -B build/release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --install build/release
	@# the loader's cache knows the new libvigil.so (a program built with
	@# pkg-config vigil then runs); outside the loader's paths, say what to do
	@if [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null 2>&1; then ldconfig; fi
	@case "$(PREFIX)" in /usr|/usr/local) ;; *) echo "make install: libvigil.so is in $(PREFIX)/lib*; programs built with pkg-config vigil find it by their rpath";; esac

fuzz:
	@scripts/deps.sh fuzz
	@CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DVIGIL_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j $(JOBS) --target fuzz-reader fuzz-chunks fuzz-filter fuzz-site fuzz-netflow fuzz-tail fuzz-chanswer fuzz-share
	@mkdir -p build/fuzz/new-reader build/fuzz/new-csv build/fuzz/new-ndjson build/fuzz/new-nfdump build/fuzz/new-pcap build/fuzz/new-filter build/fuzz/new-site build/fuzz/new-netflow build/fuzz/new-tail build/fuzz/new-chunks build/fuzz/new-chanswer build/fuzz/new-share
	build/fuzz/tests/fuzz-reader -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-reader tests/fuzz/corpus/argus
	build/fuzz/tests/fuzz-reader -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-csv tests/fuzz/corpus/csv
	build/fuzz/tests/fuzz-reader -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-ndjson tests/fuzz/corpus/ndjson
	build/fuzz/tests/fuzz-reader -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-nfdump tests/fuzz/corpus/nfdump
	build/fuzz/tests/fuzz-reader -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-pcap tests/fuzz/corpus/pcap
	build/fuzz/tests/fuzz-chunks -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-chunks tests/fuzz/corpus/argus
	build/fuzz/tests/fuzz-filter -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-filter tests/fuzz/corpus/filter
	build/fuzz/tests/fuzz-site -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-site tests/fuzz/corpus/site
	build/fuzz/tests/fuzz-netflow -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-netflow tests/fuzz/corpus/netflow
	build/fuzz/tests/fuzz-tail -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-tail tests/fuzz/corpus/tail
	build/fuzz/tests/fuzz-chanswer -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-chanswer tests/fuzz/corpus/chanswer
	build/fuzz/tests/fuzz-share -max_total_time=$${FUZZ_SECONDS:-60} build/fuzz/new-share tests/fuzz/corpus/share

bench: build
	@scripts/deps.sh bench
	@bench/run.sh

clean:
	rm -rf build
