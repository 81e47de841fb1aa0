"""The kopf peer of `make bench-operator`: the same job as keyvault-operator, written the way a
platform team would write it first, with kopf's defaults and the official clients.

For each UserIntegration: read the referenced Secret, read the vault secret (another resource's is
left alone), write it with the operator's tags, warm Redis, and write the status with the four
conditions; at deletion, under `Delete`, delete the vault secret and its Redis entry (kopf adds
its finalizer for that). It reads the operator's environment: KEYVAULT_URL, KEYVAULT_CA_FILE,
REDIS_HOST, REDIS_PORT, KUBECONFIG. Run by the benchmark as

    kopf run --standalone --namespace NAMESPACE Benchmarks/peers/kopf/operator.py

kopf's defaults throughout: its log lines at INFO, each also posted as an Event on the resource;
sync handlers on its default thread pool (`ThreadPoolExecutor()`: 6 threads on 2 cores, so with
a vault 30 ms away about 1,000 × 60 ms ÷ 6 = 10 s of vault waiting for 1,000 resources); its
finalizer on every resource, since there is a delete handler. A benchmark reference, not a
product: no rate limits, no circuit, no soft-delete handling, no adopt.
"""
import base64
import datetime
import json
import os
import ssl
import time
import urllib.request

import kopf
import kubernetes
import redis
from azure.core.credentials import AccessToken
from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.secrets import SecretClient

GROUP, VERSION, PLURAL = "integrations.keyvault.dev", "v1alpha1", "userintegrations"
CACHE_TTL_SECONDS = 300


class EmulatorCredential:
    """Tokens from the emulator's GET /token, as a credential would get them from Entra ID."""

    def __init__(self, url, context):
        self.url = url
        self.context = context

    def get_token(self, *scopes, **kwargs):
        with urllib.request.urlopen(self.url + "/token", context=self.context) as response:
            body = json.load(response)
        return AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))

    def get_token_info(self, *scopes, options=None):
        return self.get_token(*scopes)


VAULT_URL = os.environ["KEYVAULT_URL"]
VAULT_CA = os.environ["KEYVAULT_CA_FILE"]
vault = SecretClient(
    VAULT_URL,
    EmulatorCredential(VAULT_URL, ssl.create_default_context(cafile=VAULT_CA)),
    verify_challenge_resource=False,
    connection_verify=VAULT_CA,
)
cache = redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]))
kubernetes.config.load_kube_config()
core = kubernetes.client.CoreV1Api()


def names(spec):
    integration = spec["type"].replace("_", "-")
    return f"user-{spec['userId']}-{integration}", f"keyvault:user:{spec['userId']}:{spec['type']}"


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def conditions(ready, reason, message, generation):
    stamp = now()
    types = ["Ready", "KeyVaultSynced", "CacheWarmed", "Expired"]
    return [
        {
            "type": kind,
            "status": ("False" if kind == "Expired" else "True") if ready else "False",
            "reason": reason,
            "message": message,
            "lastTransitionTime": stamp,
            "observedGeneration": generation,
        }
        for kind in types
    ]


@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")
@kopf.on.resume(GROUP, VERSION, PLURAL)
def sync(spec, name, namespace, meta, patch, **_):
    secret_name, cache_key = names(spec)
    owner = f"{namespace}/{name}"
    generation = meta.get("generation", 1)
    reference = spec["secretRef"]
    secret = core.read_namespaced_secret(reference["name"], namespace)
    value = base64.b64decode(secret.data[reference["key"]]).decode()
    try:
        current = vault.get_secret(secret_name)
        if (current.properties.tags or {}).get("owner") != owner:
            # Another resource's, or nobody's: left alone, as the operator does without adopt.
            patch.status["state"] = "not_configured"
            patch.status["conditions"] = conditions(False, "Conflict", "the vault secret is not this resource's", generation)
            return
    except ResourceNotFoundError:
        current = None
    tags = {"managed-by": "keyvault-operator", "user-id": spec["userId"], "integration-type": spec["type"], "owner": owner}
    written = current if current is not None and current.value == value else vault.set_secret(secret_name, value, tags=tags)
    cache.set(cache_key, json.dumps({"value": value, "version": written.properties.version}), ex=CACHE_TTL_SECONDS)
    patch.status["state"] = "connected"
    patch.status["maskedKey"] = "***" + (value[-3:] if len(value) >= 8 else "")
    patch.status["vaultSecretName"] = secret_name
    patch.status["vaultSecretVersion"] = written.properties.version
    patch.status["lastSyncTime"] = now()
    patch.status["observedGeneration"] = generation
    patch.status["conditions"] = conditions(True, "Synced", "the Key Vault secret is current", generation)


@kopf.on.delete(GROUP, VERSION, PLURAL)
def release(spec, name, namespace, **_):
    if spec.get("deletionPolicy", "Delete") != "Delete":
        return
    secret_name, cache_key = names(spec)
    try:
        if (vault.get_secret(secret_name).properties.tags or {}).get("owner") == f"{namespace}/{name}":
            vault.begin_delete_secret(secret_name)
    except ResourceNotFoundError:
        pass
    cache.delete(cache_key)
