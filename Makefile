# ukgpro-stream: every command a developer or CI needs. `make help` lists them.
GO        ?= go
BIN       := bin
TOOLS     := $(CURDIR)/.tools
# MinIO (test-only S3 server, AGPL, never linked) pinned as in docs/decisions.
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_BIN     := $(TOOLS)/minio
STATICCHECK_VERSION := v0.8.2
STATICCHECK   := $(TOOLS)/staticcheck
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT    := $(TOOLS)/actionlint
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
TEST_TIMEOUT ?= 60m

export MINIO_BIN

.PHONY: help build test test-short demo bench lint docs fuzz minio clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build every binary into bin/
	$(GO) build -o $(BIN)/ ./cmd/...

# Packages whose concurrency the race detector checks on every `make test`
# (the long crash/kill suites of pkg/load and pkg/extract run without it:
# under -race their real-time group and kill timings stretch past deadlines).
RACE_PKGS := ./pkg/envconf/ ./pkg/kafkax/ ./pkg/ukgpro/ ./pkg/pii/ ./pkg/ops/ ./pkg/devkafka/ ./pkg/ukgsim/ ./pkg/events/ ./pkg/relay/

test: minio ## run every test, integration tests included (starts kfake, the simulator, MinIO itself)
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(RACE_PKGS)

test-short: ## the quick subset (skips the long crash/kill trials' extra rounds)
	$(GO) test -short -count=1 ./...

demo: build ## the whole pipeline on the embedded broker and simulator
	$(BIN)/demo

bench: minio ## run the benchmarks (targets and ratios are reported as metrics)
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem -timeout 60m ./...

lint: $(STATICCHECK) $(ACTIONLINT) ## gofmt + go vet + staticcheck + generated docs are current + actionlint
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) run ./cmd/schemadoc -check docs/schemas.md
	$(ACTIONLINT) -color=false

docs: ## regenerate docs/schemas.md from schemas/
	$(GO) run ./cmd/schemadoc > docs/schemas.md

fuzz: ## run every fuzz target for FUZZTIME each (make fuzz FUZZTIME=5m)
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

minio: $(MINIO_BIN) ## build the MinIO test server into .tools/ (once; ~4 min cold)

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(ACTIONLINT):
	GOBIN=$(TOOLS) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

$(MINIO_BIN):
	GOBIN=$(TOOLS) GOFLAGS=-buildvcs=false $(GO) install github.com/minio/minio@$(MINIO_VERSION)

clean: ## remove build outputs
	rm -rf $(BIN)
