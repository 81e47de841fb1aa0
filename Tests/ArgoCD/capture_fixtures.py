"""Writes Tests/ArgoCD/fixtures/*.json: UserIntegrations as the real operator leaves them, for the
Argo CD health check's test (argocd_health_tests.py). Run under scripts/test-env, which starts the
kube-apiserver, Redis and the emulator and builds the operator:

    scripts/test-env run -- "$KVO_TEST_PYTHON" Tests/ArgoCD/capture_fixtures.py

Two operators run, each on a namespace of its own: one with the emulator as its vault, one with a
vault that does not answer (KeyVaultUnavailable, and a deletion that waits for the vault). Volatile
metadata (uid, resourceVersion, managedFields, timestamps of creation) is dropped; statuses are kept
exactly as written.
"""
import datetime
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "ArgoCD" / "fixtures"
ENV = os.environ
GROUP = "/apis/integrations.keyvault.dev/v1alpha1"
RUN = uuid.uuid4().hex[:6]
LIVE, DEAD = f"argocd-live-{RUN}", f"argocd-dead-{RUN}"


def api(method, path, body=None, content_type="application/json"):
    request = urllib.request.Request(ENV["KVO_TEST_KUBE_URL"] + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {ENV['KVO_TEST_KUBE_TOKEN']}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ENV["KVO_TEST_KUBE_CA"]), timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def create(namespace, kind, body):
    path = f"/api/v1/namespaces/{namespace}/secrets" if kind == "Secret" else f"{GROUP}/namespaces/{namespace}/userintegrations"
    status, answer = api("POST", path, body)
    assert status == 201, f"create {kind} {body['metadata']['name']}: {status} {answer}"


def integration(name, user, type, secret=None, **spec):
    body = {"apiVersion": "integrations.keyvault.dev/v1alpha1", "kind": "UserIntegration", "metadata": {"name": name},
            "spec": {"userId": user, "type": type, **spec}}
    if secret:
        body["spec"]["secretRef"] = {"name": secret, "key": "apiKey"}
    return body


def secret(name, labelled=True):
    labels = {"integrations.keyvault.dev/allow-push": "true"} if labelled else {}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "labels": labels},
            "stringData": {"apiKey": f"fixture-{uuid.uuid4().hex}"}}


def get(namespace, name):
    return api("GET", f"{GROUP}/namespaces/{namespace}/userintegrations/{name}")[1]


def wait(namespace, name, condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        obj = get(namespace, name)
        if condition(obj):
            return obj
        time.sleep(0.2)
    raise AssertionError(f"{namespace}/{name} not as expected within {seconds} s: {json.dumps(obj.get('status'))}")


def reason(obj):
    return next((c["reason"] for c in obj.get("status", {}).get("conditions", []) if c["type"] == "Ready"), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def operator(namespace, vault_url, log):
    port = free_port()
    return subprocess.Popen(
        [str(Path(ENV["KVO_TEST_BIN_DIR"]) / "keyvault-operator"), "run", "--kubeconfig", ENV["KVO_TEST_KUBECONFIG"],
         f"--namespace={namespace}", "--user-binding=namespace-annotation", "--require-secret-label",
         f"--health-addr=127.0.0.1:{port}", f"--metrics-addr=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
        env={**ENV, "KEYVAULT_URL": vault_url, "KEYVAULT_CA_FILE": ENV["KVO_TEST_EMULATOR_CA"], "KEYVAULT_TIMEOUT": "2s",
             "REDIS_HOST": ENV["KVO_TEST_REDIS_HOST"], "REDIS_PORT": ENV["KVO_TEST_REDIS_PORT"]})


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def save(name, obj):
    metadata = obj["metadata"]
    for key in ["uid", "resourceVersion", "managedFields", "creationTimestamp", "selfLink"]:
        metadata.pop(key, None)
    metadata["namespace"] = "iot"
    (OUT / f"{name}.json").write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    print(f"capture: {name}: state {obj.get('status', {}).get('state')}, Ready reason {reason(obj)}")


def install_crd():
    crd = ROOT / "crds" / "userintegrations.integrations.keyvault.dev.yaml"
    for args in [["apply", "-f", str(crd)], ["wait", "--for=condition=Established", "--timeout=30s", f"crd/{crd.stem}"]]:
        subprocess.run(["kubectl", "--kubeconfig", ENV["KVO_TEST_KUBECONFIG"], *args], check=True, capture_output=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    install_crd()
    for namespace in [LIVE, DEAD]:
        status, _ = api("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": namespace, "annotations": {"integrations.keyvault.dev/allowed-users": "user-123,user-456"}}})
        assert status == 201, f"namespace {namespace}: {status}"
    logs = Path(ENV.get("KVO_TEST_DIR", "/tmp")) / "scratch"
    logs.mkdir(parents=True, exist_ok=True)
    log = open(logs / f"argocd-capture-{RUN}.log", "w")
    # Created before any operator runs: no status yet.
    create(LIVE, "UserIntegration", integration("user-123-ifttt", "user-123", "ifttt"))
    save("no-status", get(LIVE, "user-123-ifttt"))
    live = operator(LIVE, ENV["KVO_TEST_EMULATOR_URL"], log)
    dead = operator(DEAD, "https://127.0.0.1:9", log)  # nothing listens on the discard port
    try:
        create(LIVE, "Secret", secret("user-123-creds"))
        create(LIVE, "Secret", secret("unlabelled-creds", labelled=False))
        create(LIVE, "UserIntegration", integration("user-123-weather", "user-123", "weather", "user-123-creds", expiresAt="2030-12-28T00:00:00Z"))
        save("connected", wait(LIVE, "user-123-weather", lambda o: reason(o) == "Synced"))
        create(LIVE, "UserIntegration", integration("user-123-weather-again", "user-123", "weather", "user-123-creds"))
        save("conflict", wait(LIVE, "user-123-weather-again", lambda o: reason(o) == "Conflict"))
        soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        create(LIVE, "UserIntegration", integration("user-123-google-home", "user-123", "google_home", "user-123-creds", expiresAt=soon))
        save("expiring-soon", wait(LIVE, "user-123-google-home",
                                   lambda o: any(c["type"] == "ExpiringSoon" and c["status"] == "True" for c in o.get("status", {}).get("conditions", []))))
        create(LIVE, "UserIntegration", integration("user-123-smartthings", "user-123", "smartthings", "user-123-creds", expiresAt="2025-01-01T00:00:00Z"))
        save("expired", wait(LIVE, "user-123-smartthings", lambda o: reason(o) == "Expired"))
        create(LIVE, "UserIntegration", integration("user-123-alexa", "user-123", "alexa", "user-123-missing"))
        save("secret-ref-not-found", wait(LIVE, "user-123-alexa", lambda o: reason(o) == "SecretRefNotFound"))
        create(LIVE, "UserIntegration", integration("user-123-mqtt-broker", "user-123", "mqtt_broker", "unlabelled-creds"))
        save("secret-not-allowed", wait(LIVE, "user-123-mqtt-broker", lambda o: reason(o) == "SecretNotAllowed"))
        create(LIVE, "UserIntegration", integration("user-789-weather", "user-789", "weather", "user-123-creds"))
        save("user-not-allowed", wait(LIVE, "user-789-weather", lambda o: reason(o) == "UserNotAllowed"))
        create(LIVE, "UserIntegration", integration("user-456-alexa", "user-456", "alexa"))
        save("observe-not-configured", wait(LIVE, "user-456-alexa", lambda o: reason(o) == "NotConfigured"))
        create(DEAD, "Secret", secret("user-123-creds"))
        create(DEAD, "UserIntegration", integration("user-123-energy-provider", "user-123", "energy_provider", "user-123-creds"))
        save("key-vault-unavailable", wait(DEAD, "user-123-energy-provider", lambda o: reason(o) == "KeyVaultUnavailable", 60))
        # Deleted while the vault does not answer: the finalizer holds it.
        api("DELETE", f"{GROUP}/namespaces/{DEAD}/userintegrations/user-123-energy-provider")
        save("deleting", wait(DEAD, "user-123-energy-provider", lambda o: o["metadata"].get("deletionTimestamp")))
        # A spec change the operator has not reconciled yet (it is stopped).
        stop(live)
        status, _ = api("PATCH", f"{GROUP}/namespaces/{LIVE}/userintegrations/user-123-weather", {"spec": {"expiresAt": "2031-12-28T00:00:00Z"}},
                        content_type="application/merge-patch+json")
        assert status == 200, f"patch: {status}"
        save("old-generation", get(LIVE, "user-123-weather"))
    finally:
        for process in [live, dead]:
            if process.poll() is None:
                stop(process)
        log.close()
        # No operator runs any more: drop the finalizers, so that nothing is left that blocks a later
        # deletion of the CRD (the rig has no namespace controller, so the namespaces stay).
        for namespace in [LIVE, DEAD]:
            for item in api("GET", f"{GROUP}/namespaces/{namespace}/userintegrations")[1].get("items", []):
                path = f"{GROUP}/namespaces/{namespace}/userintegrations/{item['metadata']['name']}"
                api("PATCH", path, {"metadata": {"finalizers": None}}, content_type="application/merge-patch+json")
                api("DELETE", path)


if __name__ == "__main__":
    main()
