# Front door: `make run` starts the daemon, `make test` runs every test.
# Both install missing Debian packages first.
JOBS ?= $(shell nproc)

.PHONY: deps run test test-asan test-tsan build build-asan build-tsan bench deb clean

deps:
	@./deploy/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

# Builds just the daemon, then runs it in the foreground.
run: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target ringcast
	./build/release/broker/ringcast --config config/ringcast.yaml

test: build
	ctest --preset release -j $(JOBS)

test-asan: build-asan
	ctest --preset asan -j $(JOBS)

# Every end-to-end test (label tsan: the Python modules, the hiredis tests, curl and loadgen
# against the daemon) against a ThreadSanitizer build of the daemon, and the in-process HTTP
# daemon tests built with it.
TSAN_TARGETS = ringcast ringcast-loadgen hiredis_fanout_test http_publish_hiredis_test resume_hiredis_test http_daemon_tests no_uring_launcher
build-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS) --target $(TSAN_TARGETS)

test-tsan: build-tsan
	ctest --preset tsan -j $(JOBS)

# The Debian package, build/release/ringcast_<version>_amd64.deb: the two binaries, then cpack.
deb: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target ringcast ringcast-loadgen
	cd build/release && cpack -G DEB

# ringcast vs redis-server side by side (not a test: ~4 minutes, see loadgen/README.md).
bench: build
	./loadgen/bench --pin

clean:
	rm -rf build
