# pdfemu — build, set-up and checks. `make demo` and `make test` do all set-up on a fresh Debian machine.
SWIFT ?= swift
APT_PACKAGES := libhdf5-dev libopenblas-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN := .build/release/pdfemu

.PHONY: setup build release demo test bench clean

## setup: install the Debian packages pdfemu needs (does nothing when all are there)
setup:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else echo "setup: $(APT_PACKAGES) already installed"; fi

## build: release build of the pdfemu tool
build: setup
	$(SWIFT) build -c release --product pdfemu

## demo: the main job on the bundled dataset
demo: build
	$(BIN) info
	$(BIN) inspect Datasets/hera14_train.h5

## test: all tests
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## bench: speed benchmarks (ratios measured side by side in one run); SECTIONS="train point" runs some
bench: setup
	$(SWIFT) build -c release --product pdfemu-bench
	.build/release/pdfemu-bench $(SECTIONS)

clean:
	rm -rf .build
