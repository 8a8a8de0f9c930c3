# ctrcri: build, dev node and tests. GNU make.
#
# Everything the dev node runs (containerd, its runc shim, runc, CNI plugins)
# is built from the versions pinned by the `tool` lines in go.mod, so the
# daemon is the same containerd the ctr binary links.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

GO      ?= go
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   := _build
DEV_DIR ?= /run/ctrcri-dev

CONTAINERD_MOD := github.com/containerd/containerd/v2
CNI_MOD        := github.com/containernetworking/plugins/plugins
CRICTL_MOD     := sigs.k8s.io/cri-tools
MODFILES       := go.mod go.sum

# Debian packages a fresh machine of this kind lacks. busybox-static feeds the
# busybox test image; iptables backs the CNI portmap plugin (hostPort).
DEB_PKGS := busybox-static iptables iproute2 gcc libc6-dev
# runc's seccomp support (cgo, pkg-config libseccomp): Kubernetes pods ask
# for `seccompProfile: RuntimeDefault`, which a runc without it refuses.
DEB_PKGS += libseccomp-dev pkg-config
# The completion tests drive the scripts in bash (with bash-completion, which
# urfave/cli's bash script needs), zsh and fish.
DEB_PKGS += bash-completion zsh fish
# make vet checks every shell script with it.
DEB_PKGS += shellcheck

# btrfs needs C headers we do not install; devmapper and zfs are never used
# by the dev node (overlayfs only), leaving them out saves build time.
CONTAINERD_TAGS := no_btrfs no_devmapper no_zfs
# No -X version ldflags: the daemon then reports the same version string
# (2.4.2+unknown) as the containerd library linked into ctr, and upstream
# `ctr version` does not warn about a mismatch.

TOOL_BINS := $(BUILD)/bin/containerd $(BUILD)/bin/containerd-shim-runc-v2
TOOL_PKGS := $(CONTAINERD_MOD)/cmd/containerd $(CONTAINERD_MOD)/cmd/containerd-shim-runc-v2
RUNC_TAGS := seccomp
CNI_BINS  := $(addprefix $(BUILD)/cni/,bridge loopback host-local portmap)
CNI_PKGS  := $(CNI_MOD)/main/bridge $(CNI_MOD)/main/loopback $(CNI_MOD)/ipam/host-local $(CNI_MOD)/meta/portmap
IMAGES    := $(BUILD)/images/pause.tar $(BUILD)/images/busybox.tar
IMAGE_SRC := $(shell find test/images -name '*.go' 2>/dev/null)

# The product image (make image): the static binary in an OCI archive,
# built offline like the test images. IMAGE_REF names it on load; push it
# with `ctr images tag` + `ctr images push` to your registry. The default
# ref is the one deploy/*.yaml and docs/fleet.md's kubectl debug recipe
# name (deploy_test checks): a fixed tag that is not "latest", so that
# Kubernetes' default pull policy for it (IfNotPresent) uses the image
# loaded on the node. The version is in the image's labels.
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
REVISION    ?= $(shell git rev-parse HEAD 2>/dev/null)
SOURCE      ?= https://github.com/ctrcri/ctrcri
IMAGE_REF   ?= localhost/ctrcri/ctr:local
IMAGE_TAR   := $(BUILD)/images/ctrcri.tar
VERSION_PKG := github.com/ctrcri/ctrcri/pkg/cricli/cmdutil

# The containerd matrix (test/matrix): the lines of make test-matrix, and
# the oldest and newest that make test runs. The older lines are built from
# test/tools/containerd-<line>/go.mod into CTRCRI_CACHE, outside the
# checkout, once per version, Go version and build flags.
CTRCRI_CACHE ?= /var/cache/ctrcri
MATRIX       ?= 1.7 2.0 2.2 2.3 2.4
MATRIX_CI    := 1.7 2.4

E2E_PKGS = ./test/e2e/...
COMPAT_PKGS = ./test/compat/...
CRISUITE_PKGS = ./test/crisuite/...
UNIT_PKGS = $(shell $(GO) list ./... | grep -v -e '/test/e2e' -e '/test/compat' -e '/test/crisuite' -e '/test/cluster')

# crictl's own end-to-end suite (cri-tools test/e2e, ginkgo), compiled from
# the pinned cri-tools module into CTRCRI_CACHE, one binary per version: a
# cold build takes minutes, a clean checkout must not redo it.
CRICTL_VERSION  = $(shell $(GO) list -m -f '{{.Version}}' $(CRICTL_MOD))
CRISUITE_BIN    = $(CTRCRI_CACHE)/crictl-e2e-$(CRICTL_VERSION).test

.PHONY: all deps build tools images image crictl crisuite up down demo vet lint-tools test test-unit test-e2e test-compat test-crisuite test-matrix matrix-tools test-cluster cluster-tools bench bench-deps bench-base install clean fuzz fault

# The one-node Kubernetes cluster of test/cluster runs binaries built from
# the tools modules under test/tools (k8s.io/kubernetes and etcd each pinned
# in a module of its own; TestPins checks these versions against them). A
# cold build takes half an hour on two cores, so the binaries are cached
# outside the checkout, in a directory named by the version, the Go version
# and a hash of the flags and the tools module: a new clone, `make clean` or
# another worktree reuses them, and a change of any input builds a new one.
K8S_VERSION  := v1.37.2
ETCD_VERSION := v3.7.4
K8S_TOOLS    := test/tools/kubernetes
ETCD_TOOLS   := test/tools/etcd
GO_VERSION   := $(shell $(GO) env GOVERSION)
# Without the version stamp every binary says v0.0.0 (kubectl version, the
# node's kubeletVersion). -s -w: no symbol tables, shorter links.
K8S_VERSION_PKG := k8s.io/component-base/version
K8S_LDFLAGS := -s -w -X $(K8S_VERSION_PKG).gitVersion=$(K8S_VERSION) \
	-X $(K8S_VERSION_PKG).gitMajor=$(word 2,$(subst ., ,$(K8S_VERSION:v%=x.%))) \
	-X $(K8S_VERSION_PKG).gitMinor=$(word 3,$(subst ., ,$(K8S_VERSION:v%=x.%))) \
	-X $(K8S_VERSION_PKG).gitTreeState=clean
ETCD_LDFLAGS := -s -w
K8S_HASH  := $(shell cat $(K8S_TOOLS)/go.mod $(K8S_TOOLS)/go.sum | { cat; echo '$(K8S_LDFLAGS)'; } | sha256sum | cut -c1-12)
ETCD_HASH := $(shell cat $(ETCD_TOOLS)/go.mod $(ETCD_TOOLS)/go.sum | { cat; echo '$(ETCD_LDFLAGS)'; } | sha256sum | cut -c1-12)
K8S_DIR   := $(CTRCRI_CACHE)/kubernetes-$(K8S_VERSION)-$(GO_VERSION)-$(K8S_HASH)
ETCD_DIR  := $(CTRCRI_CACHE)/etcd-$(ETCD_VERSION)-$(GO_VERSION)-$(ETCD_HASH)
K8S_CMDS  := kubelet kube-apiserver kube-controller-manager kube-scheduler kubectl
K8S_BINS  := $(addprefix $(K8S_DIR)/bin/,$(K8S_CMDS))
CLUSTER_PKGS = ./test/cluster/...

# golangci-lint, pinned by its tools module (test/tools/golangci-lint) and
# built once per version, Go version and module hash into CTRCRI_CACHE, as
# the cluster binaries are. Measured on 2 shared cores: 4m42s cold, with its
# dependencies downloaded; a link once the Go build cache has it.
LINT_TOOLS   := test/tools/golangci-lint
LINT_VERSION := $(shell awk '$$1 == "tool" { next } $$1 == "github.com/golangci/golangci-lint/v2" { print $$2 }' $(LINT_TOOLS)/go.mod)
LINT_LDFLAGS := -s -w -X main.version=$(LINT_VERSION:v%=%)
LINT_HASH    := $(shell cat $(LINT_TOOLS)/go.mod $(LINT_TOOLS)/go.sum | { cat; echo '$(LINT_LDFLAGS)'; } | sha256sum | cut -c1-12)
LINT_DIR     := $(CTRCRI_CACHE)/golangci-lint-$(LINT_VERSION)-$(GO_VERSION)-$(LINT_HASH)
LINT_BIN     := $(LINT_DIR)/golangci-lint

# The shell scripts make vet hands to shellcheck: *.sh, files whose first
# line is a sh/bash/dash/ksh shebang (.ci/run), and the generated bash
# completions. completions/*.zsh and *.fish go unchecked: zsh and fish are
# not dialects shellcheck reads (sh, bash, dash, ksh only).
SHELL_SCRIPTS = $(sort $(shell git ls-files -- '*.sh' '*.bash') \
	$(shell git ls-files -z | xargs -0 awk 'FNR == 1 { if (/^\#!.*[\/ ](ba|da|k)?sh([ \t]|$$)/) print FILENAME; nextfile }' 2>/dev/null))

# Fuzz targets as package:FuzzName. Their seeds (f.Add and testdata/fuzz/,
# where every crasher found is kept) run as plain tests in test-unit; `make
# fuzz` runs each for FUZZTIME, one after the other (they share the cores);
# minimizing a new input may take 5 s at most, so the time goes to fuzzing.
FUZZTIME ?= 60s
FUZZ_TARGETS := \
	./pkg/criconfig:FuzzDecodeConfig \
	./pkg/runtime:FuzzFiltersAndLabels \
	./pkg/runtime:FuzzLabelSyntax \
	./pkg/runtime:FuzzPick \
	./pkg/ctrd:FuzzArchiveReader \
	./pkg/runtime:FuzzSummaryDecode \
	./pkg/wirejson:FuzzWireJSON \
	./pkg/printer:FuzzEscape \
	./pkg/fleet:FuzzMerge \
	./pkg/printer:FuzzTerminalWriter \
	./pkg/printer:FuzzOutputFormats \
	./pkg/cricli:FuzzConfigEdit \
	./pkg/cricli:FuzzCompletionOutput \
	./pkg/otlp:FuzzHostileStrings

all: build

deps:
	@missing=""; \
	for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# One version everywhere (ctr --version, crictl --version, ctr cri version,
# diagnose): git describe, stamped into cmdutil.Version.
build:
	$(GO) build -ldflags '-X $(VERSION_PKG).Version=$(VERSION)' -o bin/ctr ./cmd/ctr

tools: $(TOOL_BINS) $(BUILD)/bin/runc $(CNI_BINS)

# One go build for several main packages compiles their shared deps once and
# in parallel; touch because go build leaves an up-to-date binary untouched.
$(TOOL_BINS) &: $(MODFILES)
	@mkdir -p $(BUILD)/bin
	$(GO) build -tags '$(CONTAINERD_TAGS)' -o $(BUILD)/bin/ $(TOOL_PKGS)
	@touch $(TOOL_BINS)

# runc on its own: the seccomp tag must not reach containerd's build. The
# binary records its tags (go version -m), so a runc built without them is
# rebuilt.
$(BUILD)/bin/runc: $(MODFILES) $(if $(shell $(GO) version -m $(BUILD)/bin/runc 2>/dev/null | grep -- '-tags=$(RUNC_TAGS)'),,FORCE)
	@mkdir -p $(BUILD)/bin
	$(GO) build -tags '$(RUNC_TAGS)' -o $@ github.com/opencontainers/runc
	@touch $@

.PHONY: FORCE
FORCE:

$(CNI_BINS) &: $(MODFILES)
	@mkdir -p $(BUILD)/cni
	$(GO) build -o $(BUILD)/cni/ $(CNI_PKGS)
	@touch $(CNI_BINS)

# The real crictl, the reference test/compat compares ours with; pinned by
# the `tool` line in go.mod. Without the version stamp it says "unknown".
crictl: $(BUILD)/bin/crictl

$(BUILD)/bin/crictl: $(MODFILES)
	@mkdir -p $(BUILD)/bin
	$(GO) build -ldflags "-X $(CRICTL_MOD)/pkg/version.Version=$$($(GO) list -m -f '{{.Version}}' $(CRICTL_MOD))" -o $@ $(CRICTL_MOD)/cmd/crictl

crisuite:
	@mkdir -p $(CTRCRI_CACHE)
	@[ -x $(CRISUITE_BIN) ] || { echo "$(GO) test -c -o $(CRISUITE_BIN) $(CRICTL_MOD)/test/e2e"; \
		$(GO) test -c -o $(CRISUITE_BIN).tmp $(CRICTL_MOD)/test/e2e && mv $(CRISUITE_BIN).tmp $(CRISUITE_BIN); }

# One go build for the five Kubernetes binaries compiles their shared
# dependencies once. Built into a temporary directory and renamed into place,
# so an interrupted build never leaves a half-filled cache directory.
cluster-tools: $(K8S_BINS) $(ETCD_DIR)/bin/etcd

$(K8S_BINS) &:
	@mkdir -p $(CTRCRI_CACHE)
	@rm -rf $(K8S_DIR).tmp; mkdir -p $(K8S_DIR).tmp/bin
	@start=$$(date +%s); \
	echo "cd $(K8S_TOOLS) && $(GO) build -buildvcs=false -ldflags '$(K8S_LDFLAGS)' -o $(K8S_DIR).tmp/bin/ $(addprefix k8s.io/kubernetes/cmd/,$(K8S_CMDS))"; \
	(cd $(K8S_TOOLS) && $(GO) build -buildvcs=false -ldflags '$(K8S_LDFLAGS)' -o $(K8S_DIR).tmp/bin/ \
		$(addprefix k8s.io/kubernetes/cmd/,$(K8S_CMDS))); \
	echo $$(( $$(date +%s) - start )) > $(K8S_DIR).tmp/build-seconds
	@rm -rf $(K8S_DIR); mv $(K8S_DIR).tmp $(K8S_DIR)

$(ETCD_DIR)/bin/etcd:
	@mkdir -p $(CTRCRI_CACHE)
	@rm -rf $(ETCD_DIR).tmp; mkdir -p $(ETCD_DIR).tmp/bin
	@start=$$(date +%s); \
	echo "cd $(ETCD_TOOLS) && $(GO) build -buildvcs=false -ldflags '$(ETCD_LDFLAGS)' -o $(ETCD_DIR).tmp/bin/etcd go.etcd.io/etcd/server/v3"; \
	(cd $(ETCD_TOOLS) && $(GO) build -buildvcs=false -ldflags '$(ETCD_LDFLAGS)' -o $(ETCD_DIR).tmp/bin/etcd go.etcd.io/etcd/server/v3); \
	echo $$(( $$(date +%s) - start )) > $(ETCD_DIR).tmp/build-seconds
	@rm -rf $(ETCD_DIR); mv $(ETCD_DIR).tmp $(ETCD_DIR)

images: $(IMAGES)

$(IMAGES) &: $(IMAGE_SRC) $(MODFILES)
	$(GO) run ./test/images/cmd/mkimages -o $(BUILD)/images

# CGO_ENABLED=0: a static binary needs no libc in the image (no shell
# either); go build is incremental, so a rerun costs a link.
image:
	@mkdir -p $(BUILD)/image
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w -X $(VERSION_PKG).Version=$(VERSION)' -o $(BUILD)/image/ctr ./cmd/ctr
	$(GO) run ./test/images/cmd/mkctrimage -bin $(BUILD)/image/ctr -o $(IMAGE_TAR) \
		-ref $(IMAGE_REF) -version $(VERSION) -revision "$(REVISION)" -source $(SOURCE)

up: tools images
	@$(GO) run ./test/devnode/cmd/devnode up --dir $(DEV_DIR)

down:
	@$(GO) run ./test/devnode/cmd/devnode down --dir $(DEV_DIR)

# The sample pod goes through ctr cri itself, as an operator would run it;
# a second `make demo` keeps the pod it finds. Its image was imported
# offline, so run must not pull it (run pulls by default, as crictl's does).
# test/e2e TestMakeDemo runs this target.
demo: deps build tools images up
	@$(GO) run ./test/devnode/cmd/devnode configs --dir $(DEV_DIR)
	@. $(DEV_DIR)/env; ctr="bin/ctr --address $$CONTAINERD_ADDRESS"; \
	if [ -z "$$($$ctr cri pods --namespace '^default$$' --name '^demo$$' --state ready -q)" ]; then \
		echo "+ ctr cri run --pull missing $(DEV_DIR)/demo-container.yaml $(DEV_DIR)/demo-pod.yaml"; \
		$$ctr cri run --pull missing $(DEV_DIR)/demo-container.yaml $(DEV_DIR)/demo-pod.yaml; \
	fi; \
	echo; echo "+ ctr cri pods"; $$ctr cri pods; \
	echo; echo "+ ctr cri ps"; $$ctr cri ps; \
	echo; echo "Point your shell at the dev node in $(DEV_DIR) (make down DEV_DIR=$(DEV_DIR) stops it):"; \
	echo "  $$(cat $(DEV_DIR)/env)"; \
	echo "  bin/ctr cri ps"

vet: $(LINT_BIN)
	@bad=$$(gofmt -l .); \
	if [ -n "$$bad" ]; then echo "gofmt needed:"; echo "$$bad"; exit 1; fi
	$(GO) vet ./...
	$(LINT_BIN) run ./...
	@command -v shellcheck >/dev/null || { echo "vet: shellcheck is missing; make deps installs it"; exit 1; }
	shellcheck $(SHELL_SCRIPTS)

lint-tools: $(LINT_BIN)

# Built into a temporary directory and renamed into place, so an interrupted
# build never leaves a half-filled cache directory.
$(LINT_BIN):
	@mkdir -p $(CTRCRI_CACHE)
	@rm -rf $(LINT_DIR).tmp; mkdir -p $(LINT_DIR).tmp
	cd $(LINT_TOOLS) && $(GO) build -buildvcs=false -ldflags '$(LINT_LDFLAGS)' -o $(LINT_DIR).tmp/golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint
	@rm -rf $(LINT_DIR); mv $(LINT_DIR).tmp $(LINT_DIR)

# CTRCRI_E2E=required turns "cannot start a dev node" from a skip into a
# failure, for the root-only dev node tests and for the e2e suite.
test: deps build tools images image crictl crisuite cluster-tools vet
	CTRCRI_E2E=required $(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-cluster
	$(MAKE) --no-print-directory test-compat
	$(MAKE) --no-print-directory test-crisuite
	$(MAKE) --no-print-directory test-matrix MATRIX="$(MATRIX_CI)"

# Unit packages, plus test/devnode whose node tests need root and _build/
# (they skip without, unless CTRCRI_E2E=required).
test-unit:
	$(GO) test -race $(UNIT_PKGS)

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s; \
	done

# The fault-injection suite alone (it is also part of test-unit): every
# command, both personalities, against endpoints that hang, lie or drop.
fault:
	$(GO) test ./test/fault -count=1

test-e2e: build tools images image
	CTRCRI_E2E=required CTR_BIN=$(CURDIR)/bin/ctr CTRCRI_IMAGE=$(CURDIR)/$(IMAGE_TAR) $(GO) test $(E2E_PKGS) -count=1

# The one-node Kubernetes cluster (test/cluster): the pins, then an
# operator's session with deploy/ and docs/fleet.md on a real kubelet.
# Never skipped here: CTRCRI_E2E=required.
test-cluster: deps build tools images image cluster-tools
	CTRCRI_E2E=required CTR_BIN=$(CURDIR)/bin/ctr CTRCRI_K8S_BIN=$(K8S_DIR)/bin CTRCRI_ETCD_BIN=$(ETCD_DIR)/bin \
		$(GO) test $(CLUSTER_PKGS) -count=1 -timeout 30m -v

# The differential suite: every corpus invocation with the real crictl and
# with ours (a `crictl` symlink) on one dev node; -v shows the counts and the
# slowest invocations. COMPAT_REPORT=FILE writes every difference found,
# allowed or not, for triage.
test-compat: build tools images crictl
	CTRCRI_E2E=required CTR_BIN=$(CURDIR)/bin/ctr CRICTL_BIN=$(CURDIR)/$(BUILD)/bin/crictl \
		$(GO) test $(COMPAT_PKGS) -count=1 -timeout 20m -v

# crictl's own suite, run twice on two identical fresh dev nodes: with the
# real crictl and with ours (a `crictl` symlink). Fails when a spec that
# passes with crictl fails with ours; -v prints both spec lists.
test-crisuite: build tools images crictl crisuite
	CTRCRI_E2E=required CTR_BIN=$(CURDIR)/bin/ctr CRICTL_BIN=$(CURDIR)/$(BUILD)/bin/crictl CRISUITE_BIN=$(CRISUITE_BIN) \
		$(GO) test $(CRISUITE_PKGS) -count=1 -timeout 15m -v

# Builds the older containerd lines of MATRIX that CTRCRI_CACHE lacks; the
# newest is `make tools`'s. Measured on 2 shared cores: 1.7 3m52s, 2.0 11m36s
# (under others' load), 2.2 2m52s, 2.3 4m41s cold; 6-9 s with a warm Go build
# cache; nothing once cached. The sessions take 6-7 s a line.
matrix-tools:
	CTRCRI_CACHE=$(CTRCRI_CACHE) $(GO) run ./test/matrix/cmd/matrixtools $(MATRIX)

# The operator's session on a fresh dev node of each containerd line in
# MATRIX (default: all five), with the real crictl as the reference where
# documents are compared.
test-matrix: build tools images crictl matrix-tools
	CTRCRI_E2E=required CTR_BIN=$(CURDIR)/bin/ctr CRICTL_BIN=$(CURDIR)/$(BUILD)/bin/crictl \
		CTRCRI_CACHE=$(CTRCRI_CACHE) CTRCRI_MATRIX="$(MATRIX)" \
		$(GO) test ./test/matrix -run '^TestSession$$' -count=1 -timeout 60m -v

# Upstream ctr from the same go.mod is the baseline for size, init and
# start-up; GNU time reads child peak RSS without the parent's (see bench).
bench-deps: $(BUILD)/bin/ctr-upstream
	@dpkg-query -W -f='$${Status}' time 2>/dev/null | grep -q 'ok installed' || \
		{ apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time; }

$(BUILD)/bin/ctr-upstream: $(MODFILES)
	@mkdir -p $(BUILD)/bin
	$(GO) build -o $@ $(CONTAINERD_MOD)/cmd/ctr

# The regression guard of make bench pairs bin/ctr with the ctr of
# BENCH_BASE: the last release tag, or while there is none the last landed
# main. It is built once per commit and Go version, from a git archive of
# that commit, outside the checkout. The machine is shared and noisy, so a
# figure more than 5% worse is named; BENCH_STRICT=1 also fails the run.
BENCH_BASE   ?= $(shell git describe --tags --abbrev=0 2>/dev/null || echo 2c57d0e)
BENCH_STRICT ?=

bench-base:
	@commit=$$(git rev-parse --verify --quiet '$(BENCH_BASE)^{commit}') || \
		{ echo "bench-base: no commit $(BENCH_BASE)" >&2; exit 1; }; \
	dir=$(CTRCRI_CACHE)/bench-base/$$commit-$(GO_VERSION); \
	if [ ! -x "$$dir/ctr" ]; then \
		src=$$(mktemp -d); trap 'rm -rf "$$src"' EXIT; \
		git archive "$$commit" | tar -x -C "$$src"; \
		mkdir -p "$$dir"; \
		version=$$(git describe --tags --always "$$commit"); \
		echo "bench-base: building ctr $$version into $$dir"; \
		(cd "$$src" && $(GO) build -ldflags "-X $(VERSION_PKG).Version=$$version" -o "$$dir/ctr.tmp" ./cmd/ctr); \
		mv "$$dir/ctr.tmp" "$$dir/ctr"; \
	fi; \
	mkdir -p $(BUILD)/bin; ln -sfn "$$dir/ctr" $(BUILD)/bin/ctr-base

bench: build tools images crictl bench-deps bench-base
	$(GO) run ./test/bench -base $(BUILD)/bin/ctr-base $(if $(filter 1 yes true,$(BENCH_STRICT)),-strict)

# man/ and completions/ are generated from the command tree and checked in;
# a test (cmd/gen-docs) fails when they are stale.
.PHONY: docs
docs:
	$(GO) run ./cmd/gen-docs

install: build
	install -D -m 0755 bin/ctr $(DESTDIR)$(PREFIX)/bin/ctr
	ln -sf ctr $(DESTDIR)$(PREFIX)/bin/crictl
	@if [ -d man ]; then \
		for f in man/*.[1-9]; do \
			[ -e "$$f" ] || continue; \
			install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/man/man$${f##*.}/$${f##*/}"; \
		done; \
	fi
	@if [ -d completions ]; then \
		for f in completions/*; do \
			case "$$f" in \
			*.bash) install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$(basename "$$f" .bash)";; \
			*.zsh)  install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$(basename "$$f" .zsh)";; \
			*.fish) install -D -m 0644 "$$f" "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$(basename "$$f")";; \
			esac; \
		done; \
	fi

clean:
	rm -rf bin
	@echo "kept $(BUILD)/ (slow to rebuild); remove it by hand if you must"
