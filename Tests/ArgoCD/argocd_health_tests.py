"""Runs deploy/argocd/health.lua, the Argo CD health check for UserIntegration, in Lua 5.1 (the
language of Argo CD's gopher-lua) through lupa, against UserIntegrations as the real operator wrote
them (fixtures/, made by capture_fixtures.py against the test servers).

    "$KVO_TEST_PYTHON" Tests/ArgoCD/argocd_health_tests.py

Prints one line per check and exits non-zero on any failure. Needs no servers.
"""
import copy
import json
import re
import sys
from pathlib import Path

import lupa.lua51 as lua51

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (ROOT / "deploy" / "argocd" / "health.lua").read_text()
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# fixture -> (health status, words its message must hold)
EXPECTED = {
    "no-status": ("Progressing", "Waiting for the operator"),
    "connected": ("Healthy", "connected"),
    "old-generation": ("Progressing", "generation 2"),
    "conflict": ("Degraded", "Conflict: "),
    "expired": ("Degraded", "Expired: "),
    "user-not-allowed": ("Degraded", "UserNotAllowed: "),
    "secret-not-allowed": ("Degraded", "SecretNotAllowed: "),
    "secret-ref-not-found": ("Progressing", "waiting for the referenced Secret (SecretRefNotFound: "),
    "observe-not-configured": ("Progressing", "waiting for an app to write the credential (NotConfigured: "),
    "key-vault-unavailable": ("Progressing", "retrying: Key Vault is unreachable (KeyVaultUnavailable: "),
    "deleting": ("Progressing", "Being deleted"),
    "expiring-soon": ("Healthy", "connected; ExpiringSoon: "),
}
# Every reason the operator can put on Ready=False, and the health it maps to. A reason added to
# ConditionReason.swift fails ready_reasons_are_all_classified until it is placed here and in the Lua.
DEGRADED = {"Expired", "Conflict", "VaultSecretDisabled", "UserNotAllowed", "SecretNotAllowed", "InvalidSpec",
            "InvalidSecretValue", "KeyVaultAuthFailed"}
WAITING = {"SecretRefNotFound", "NotConfigured", "KeyVaultUnavailable", "Throttled", "KeyVaultError"}
# Reasons of other conditions or of events only, never of Ready=False.
NOT_READY_FALSE = {"Synced", "Observed", "Valid", "Warmed", "CacheUnavailable", "Deleted", "Failed", "ExpiringSoon"}

results = {"passed": 0, "failed": 0}


def check(function):
    try:
        function()
        results["passed"] += 1
        print(f"PASS {function.__name__}", flush=True)
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        results["failed"] += 1
        print(f"FAIL {function.__name__}: {type(error).__name__}: {error}", flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def health(obj):
    """(status, message) of the health check for obj, run as Argo CD runs it: `obj` a global table,
    the script's returned table read; no io, os, require or load in reach."""
    runtime = lua51.LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True)
    env = runtime.globals()
    for name in ["io", "os", "require", "dofile", "loadfile", "load", "loadstring", "package", "debug"]:
        env[name] = None
    env.obj = runtime.table_from(obj, recursive=True)
    hs = runtime.execute(SCRIPT)
    expect(hs is not None, "the script returned nothing")
    return hs["status"], hs["message"]


def fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def fixtures_have_the_expected_health():
    names = sorted(p.stem for p in FIXTURES.glob("*.json"))
    expect(names == sorted(EXPECTED), f"fixtures {names}, expected {sorted(EXPECTED)}")
    wrong = []
    for name, (status, words) in EXPECTED.items():
        got = health(fixture(name))
        if got[0] != status or words not in (got[1] or ""):
            wrong.append(f"{name}: {got}, expected {status} with {words!r}")
    expect(not wrong, "; ".join(wrong))


def fixtures_are_what_the_operator_writes():
    """The captured fixtures hold the status the operator writes: state, conditions with generations."""
    for name in EXPECTED:
        obj = fixture(name)
        if name == "no-status":
            expect("status" not in obj, f"{name}: a status")
            continue
        status = obj["status"]
        expect(status["state"] in {"connected", "not_configured", "expired", "error"}, f"{name}: state {status.get('state')}")
        ready = [c for c in status["conditions"] if c["type"] == "Ready"]
        expect(len(ready) == 1 and set(ready[0]) == {"type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"},
               f"{name}: Ready {ready}")


def ready_reasons_are_all_classified():
    source = (ROOT / "Sources" / "UserIntegrationReconciler" / "ConditionReason.swift").read_text()
    reasons = set(re.findall(r'static let \w+ = "(\w+)"', source))
    unclassified = reasons - DEGRADED - WAITING - NOT_READY_FALSE
    expect(not unclassified, f"reasons without a health: {sorted(unclassified)} (place them in health.lua and this test)")
    base = fixture("key-vault-unavailable")
    for reason in sorted(DEGRADED | WAITING):
        obj = copy.deepcopy(base)
        ready = next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")
        ready["reason"], ready["message"] = reason, f"a {reason} message"
        status, message = health(obj)
        want = "Degraded" if reason in DEGRADED else "Progressing"
        expect(status == want and f"{reason}: a {reason} message" in message, f"{reason}: {status} {message!r}, expected {want}")


def generation_comes_from_the_condition_then_the_status():
    obj = fixture("connected")
    ready = next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")
    # The condition's observedGeneration wins over status.observedGeneration.
    ready["observedGeneration"], obj["status"]["observedGeneration"] = 1, 7
    expect(health(obj)[0] == "Healthy", f"condition generation 1 of 1: {health(obj)}")
    ready["observedGeneration"], obj["status"]["observedGeneration"] = 0, 1
    expect(health(obj)[0] == "Progressing", f"condition generation 0 of 1: {health(obj)}")
    # Without it on the condition, the status's is used.
    del ready["observedGeneration"]
    expect(health(obj)[0] == "Healthy", f"status generation 1 of 1: {health(obj)}")
    obj["status"]["observedGeneration"] = 0
    expect(health(obj)[0] == "Progressing", f"status generation 0 of 1: {health(obj)}")
    # Neither: not known to describe this generation.
    del obj["status"]["observedGeneration"]
    expect(health(obj)[0] == "Progressing", f"no generation: {health(obj)}")


def ready_unknown_and_missing_are_progressing():
    obj = fixture("connected")
    ready = next(c for c in obj["status"]["conditions"] if c["type"] == "Ready")
    ready["status"], ready["reason"], ready["message"] = "Unknown", "Reconciling", "first attempt"
    expect(health(obj) == ("Progressing", "Reconciling: first attempt"), f"Ready=Unknown: {health(obj)}")
    obj["status"]["conditions"] = [c for c in obj["status"]["conditions"] if c["type"] != "Ready"]
    expect(health(obj) == ("Progressing", "Waiting for the Ready condition"), f"no Ready: {health(obj)}")
    obj["status"] = {}
    expect(health(obj)[0] == "Progressing", f"empty status: {health(obj)}")


def main():
    for test in [fixtures_have_the_expected_health, fixtures_are_what_the_operator_writes, ready_reasons_are_all_classified,
                 generation_comes_from_the_condition_then_the_status, ready_unknown_and_missing_are_progressing]:
        check(test)
    print(f"argocd-health: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
