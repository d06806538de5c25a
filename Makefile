# ca: build, test and demo. `make demo` and `make test` are the two commands
# README.md gives a newcomer.
GO        ?= go
BIN       ?= bin/ca
PKGS      := ./...
FUZZTIME  ?= 30s
BENCHTIME ?= 1x
# VERSION and COMMIT are what "ca version" prints (-X main.version, main.commit).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# CROSS is every system and architecture ca builds for (make cross).
CROSS     ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64 freebsd/amd64 freebsd/arm64

.PHONY: all build build-static test race lint vet staticcheck fuzz bench demo docs docs-check cross dist dist-check clean

all: build

# ca is linked with cgo, for issuer keys in PKCS#11 tokens (the module is a
# C library loaded at run time), with Go's own user and DNS lookups
# (osusergo,netgo) as in a static build. It costs about 0.6 ms of a one-shot
# process (docs/decisions.md, "PKCS#11 and cgo"). build-static is the build
# without cgo: no dynamic loader, and no PKCS#11 (a key.uri is exit 1).
BUILDTAGS ?= osusergo,netgo
build:
	CGO_ENABLED=1 $(GO) build -tags $(BUILDTAGS) -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o $(BIN) ./cmd/ca

build-static:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o $(BIN) ./cmd/ca

# cross builds ca and vets every package, tests included, for each target of
# CROSS (docs/decisions.md, "One file placer", says what each system gets).
cross:
	@set -e; for t in $(CROSS); do \
	  echo "== $$t"; \
	  CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/ca; \
	  CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet $(PKGS); \
	done

# dist writes the release archives and SHA256SUMS to dist/ (scripts/dist.sh);
# dist-check builds them twice, in two directories, and fails unless the
# bytes are the same and the Linux binary names VERSION and COMMIT.
dist:
	GO=$(GO) ./scripts/dist.sh dist $(VERSION) $(COMMIT)

dist-check:
	GO=$(GO) ./scripts/dist-check.sh $(VERSION) $(COMMIT)

test:
	$(GO) test -count=1 -timeout 20m $(PKGS)

race:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

vet:
	$(GO) vet $(PKGS)
	$(GO) vet -tags gendocs ./cmd/ca

staticcheck:
	$(GO) tool staticcheck $(PKGS)

lint: vet staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1)

# fuzz runs every fuzz target for FUZZTIME (CI: FUZZTIME=10s); see
# scripts/fuzz.sh for the one retry it allows.
fuzz:
	./scripts/fuzz.sh $(FUZZTIME) $(GO)

# bench runs every benchmark once (BENCHTIME=1x): each measures ca against a
# baseline in the same run and reports the ratio (docs/provisioning.md). The
# provisioning benchmarks in cmd/ca take about 3 minutes on 2 cores; BENCH
# selects some, e.g. make bench BENCH=Manifest. Work files go to .bench/
# (CA_BENCH_DIR), not /tmp: see cmd/ca/issue_bench_test.go.
BENCH     ?= .
bench:
	CA_BENCH_DIR=$(CURDIR)/.bench $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) -timeout 30m $(PKGS)

# demo builds ca and runs the tour; the time it reports includes the build
# (CA_DEMO_T0 is when make began it).
demo:
	@t0=$$(date +%s%N); $(MAKE) --no-print-directory build && CA_DEMO_T0=$$t0 ./scripts/demo.sh $(BIN)

# docs regenerates the CLI reference (docs/reference/*.md, docs/man/*.1) from
# the cobra commands; docs-check fails when that would change anything.
docs:
	$(GO) run -tags gendocs ./cmd/ca gen-docs docs

docs-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  $(GO) run -tags gendocs ./cmd/ca gen-docs "$$tmp" >/dev/null && \
	  diff -ru docs/reference "$$tmp/reference" && diff -ru docs/man "$$tmp/man" || \
	  { echo "docs/reference or docs/man is out of date: run 'make docs' and commit the result"; exit 1; }

clean:
	rm -rf bin dist
