# The two set-up commands of the README, and a few helpers.
.PHONY: demo test test-soft-delete-delay chaos fuzz build bench bench-emulator bench-library bench-kubernetes bench-operator test-env-start test-env-stop

## The main job: real servers up, then what the project runs on them.
demo:
	scripts/demo

## The whole test suite against real servers (installs what it needs, starts and stops the servers).
test:
	scripts/install-deps
	scripts/build-checked
	scripts/test-env run -- scripts/run-tests

## The operator suites (chaos cases included) against an emulator that, like real Key Vault,
## finishes deletes and recovers 3 s after answering them. CI runs it after `make test`.
test-soft-delete-delay:
	scripts/install-deps
	scripts/build-checked
	KVO_TEST_EMULATOR_FLAGS="--soft-delete-delay 3s" scripts/test-env run -- scripts/test-watchdog -- \
	  swift test --skip-build --disable-xctest --filter 'OperatorTests|UserIntegrationReconcilerTests'

## The fault-injection suites at full scale (they also run, smaller, in `make test`).
chaos:
	scripts/install-deps
	scripts/build-checked
	KVO_CHAOS_RESOURCES=1000 scripts/test-env run -- swift test --skip-build --disable-xctest \
	  --filter 'VaultOutageTests|RedisOutageTests|ThrottlingStormTests|OperatorRecoveryTests|BadInputTests|SecretLeakageTests|OperatorEndpointsTests'

## libFuzzer on the hand-written parsers, FUZZ_SECONDS (default 600) each, one after the other;
## fails on a crash, leak or hang (the input is left in .fuzz/). The seeds are in Fuzz/Corpus/.
fuzz:
	scripts/fuzz

build:
	swift build

## Every scale figure in one run, each next to its target: the operator, then the library.
bench:
	scripts/bench

## Throughput and latency of keyvault-emulator, measured with wrk (a command, not a test).
bench-emulator:
	scripts/bench-emulator

## Cache paths of the KeyVault library next to raw Redis, raw HTTP and redis-benchmark.
bench-library:
	scripts/bench-library

## Informer sync and watch throughput against the real kube-apiserver.
bench-kubernetes:
	scripts/bench-kubernetes

## The operator at scale: 10,000 resources next to a raw floor, latency, RSS, start-up, steady state, 429s.
## SCALE=N: only how far one process goes at N resources (start-up, memory, a start-up pass).
bench-operator:
	KVO_BENCH_SCALE=$(SCALE) scripts/bench-operator

test-env-start:
	scripts/test-env start

test-env-stop:
	scripts/test-env stop
