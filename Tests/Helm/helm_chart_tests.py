"""Checks of the Helm chart helm/keyvault-operator: offline with Helm's own engine
(helm-python-sdk), then against the test kube-apiserver (server dry runs, and the chart's RBAC
driving the real operator binary).

    "$KVO_TEST_PYTHON" Tests/Helm/helm_chart_tests.py

Prints one line per check and exits non-zero on any failure. The server checks need the
environment of scripts/test-env; without it they are skipped, except under CI=true.
"""
import base64
import json
import os
import posixpath
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import helm_python as helm
from helm_python import _native

ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = ROOT / "helm" / "keyvault-operator"
CRD = "userintegrations.integrations.keyvault.dev.yaml"
RELEASE = "keyvault-operator"
# The release namespace whose ServiceAccount has a token in scripts/test-env (KVO_TEST_KUBE_CHART_TOKEN).
CHART_NS, WATCHED, UNWATCHED = "kvo-chart", ["kvo-chart-a", "kvo-chart-b"], "default"

WATCHED_RULES = [
    {"apiGroups": ["integrations.keyvault.dev"], "resources": ["userintegrations"], "verbs": ["get", "list", "watch", "patch"]},
    {"apiGroups": ["integrations.keyvault.dev"], "resources": ["userintegrations/status"], "verbs": ["patch"]},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
]
NAMESPACE_RULES = [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}]
LEASE_RULES = [
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": [RELEASE], "verbs": ["get", "update"]},
]
# The chart requires a vault URL unless the emulator is on (then it is the emulator's).
VAULT_URL = "https://myvault.vault.azure.net"
EMULATOR = {"keyvault": {"enabled": True}}
EXISTING_SECRETS = {
    "cache": {"encryption": {"existingSecret": "my-cache", "existingSecretKey": "key"}},
    "redis": {"existingSecret": "my-redis", "existingSecretKey": "password", "username": "app"},
    "keyvault": {"enabled": True, "tls": {"existingSecret": "my-tls"}},
}

results = {"passed": 0, "failed": 0, "skipped": 0}


class Skip(Exception):
    pass


def check(function):
    """Runs one check and prints its line."""
    try:
        function()
        results["passed"] += 1
        print(f"PASS {function.__name__}", flush=True)
    except Skip as reason:
        results["skipped"] += 1
        print(f"SKIP {function.__name__}: {reason}", flush=True)
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        results["failed"] += 1
        print(f"FAIL {function.__name__}: {type(error).__name__}: {error}", flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


# Rendering ----------------------------------------------------------------------------------------

def documents(text):
    parts = (part.strip("\n") for part in re.split(r"^---[ \t]*$", text, flags=re.M))
    return [helm.values_from_yaml(part) for part in parts if helm.values_from_yaml(part)]


def merged(*layers):
    """Values layered as Helm layers values files: maps merge, anything else replaces."""
    out = {}
    for layer in layers:
        for key, value in layer.items():
            out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def with_vault(values):
    """`values` plus the vault URL the chart requires, unless they name one or turn the emulator on."""
    values = values or {}
    if values.get("keyvault", {}).get("enabled") or "url" in values.get("vault", {}):
        return values
    return merged({"vault": {"url": VAULT_URL}}, values)


def render(values=None, namespace="keyvault-system", kube_version=None, bare=False, chart_dir=CHART_DIR, release=RELEASE):
    """The chart's objects as dicts (parsed by Helm's own YAML reader), for `values` plus a vault URL
    (see with_vault; `bare`: the values alone)."""
    values = values if bare else with_vault(values)
    with helm.Chart.load(chart_dir) as chart:
        if kube_version is None:
            manifests = chart.render(values or {}, name=release, namespace=namespace)
        else:
            # Chart.render() has no kube_version; the native call takes it (helm template --kube-version).
            options = {"name": release, "namespace": namespace, "kube_version": kube_version}
            manifests = json.loads(_native.call_string("helm_render", chart._raw(), json.dumps(values or {}), json.dumps(options)))
    return [obj for path, text in sorted(manifests.items()) if path.endswith(".yaml") for obj in documents(text)]


def find(objects, kind, name=None, namespace=None):
    return [o for o in objects if o["kind"] == kind and name in (None, o["metadata"]["name"])
            and namespace in (None, o["metadata"].get("namespace"))]


def one(objects, kind, name=None, namespace=None):
    found = find(objects, kind, name, namespace)
    expect(len(found) == 1, f"expected one {kind} {name or ''} in {namespace or 'any namespace'}, found {len(found)}")
    return found[0]


def operator_container(objects, name=RELEASE):
    return one(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def env_of(container):
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def notes(values=None):
    """The rendered NOTES.txt, what `helm install` prints (values plus a vault URL, see with_vault)."""
    with helm.Chart.load(CHART_DIR) as chart:
        manifests = chart.render(with_vault(values), name=RELEASE, namespace="keyvault-system")
    return next(text for path, text in manifests.items() if path.endswith("/NOTES.txt"))


def mounted_file(pod, container, secret, key):
    """Where the container sees `key` of the Secret `secret`: its volume's mountPath joined with the
    path the volume gives the key (the key itself when the volume lists no items)."""
    def path_of(volume):
        items = volume["secret"].get("items")
        return key if items is None else next((i["path"] for i in items if i["key"] == key), None)
    volumes = [v for v in pod.get("volumes", []) if v.get("secret", {}).get("secretName") == secret and path_of(v)]
    expect(len(volumes) == 1, f"expected one volume with key {key} of Secret {secret}, found {len(volumes)}: {pod.get('volumes')}")
    mounts = [m for m in container.get("volumeMounts", []) if m["name"] == volumes[0]["name"]]
    expect(len(mounts) == 1, f"volume {volumes[0]['name']} mounted {len(mounts)} times: {container.get('volumeMounts')}")
    expect(mounts[0].get("readOnly") is True and "subPath" not in mounts[0], f"mount of {secret}: {mounts[0]}")
    return posixpath.join(mounts[0]["mountPath"], path_of(volumes[0]))


# Offline checks -----------------------------------------------------------------------------------

def chart_crd_is_the_repository_crd():
    expect((CHART_DIR / "crds" / CRD).read_bytes() == (ROOT / "crds" / CRD).read_bytes(), "helm/keyvault-operator/crds differs from crds/")


def chart_lints_strictly():
    # The defaults alone name no vault, which the schema refuses (default_render_needs_a_vault_url).
    for values in [with_vault({}), EMULATOR]:
        report = helm.lint(CHART_DIR, values, strict=True)
        problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
        expect(not problems, f"lint of {values}: {problems}")


def emulator_objects(objects):
    return [o for o in objects if o["metadata"]["labels"].get("app.kubernetes.io/component") == "keyvault"]


def default_render_has_every_part():
    objects = render()
    kinds = sorted({(o["kind"], o["metadata"]["name"]) for o in objects})
    for kind, name in [("Deployment", RELEASE), ("ServiceAccount", RELEASE), ("ClusterRole", RELEASE),
                       ("ClusterRoleBinding", RELEASE), ("ClusterRole", f"{RELEASE}-namespaces"),
                       ("ClusterRoleBinding", f"{RELEASE}-namespaces"), ("Role", f"{RELEASE}-leader-election"),
                       ("RoleBinding", f"{RELEASE}-leader-election"), ("Service", f"{RELEASE}-metrics"),
                       ("PodDisruptionBudget", RELEASE), ("Secret", RELEASE)]:
        expect((kind, name) in kinds, f"missing {kind} {name}; rendered {kinds}")
    expect(not emulator_objects(objects), f"emulator objects by default: {kinds}")
    kinds = sorted({(o["kind"], o["metadata"]["name"]) for o in render(EMULATOR)})
    for kind, name in [("Deployment", f"{RELEASE}-keyvault"), ("Service", f"{RELEASE}-keyvault"),
                       ("PersistentVolumeClaim", f"{RELEASE}-keyvault"), ("Secret", f"{RELEASE}-keyvault")]:
        expect((kind, name) in kinds, f"missing {kind} {name} with the emulator; rendered {kinds}")
    expect(not find(objects, "ServiceMonitor"), "ServiceMonitor rendered by default")
    expect(all(o["metadata"].get("namespace") == "keyvault-system" for o in objects if o["kind"] not in ("ClusterRole", "ClusterRoleBinding")),
           "an object outside the release namespace")
    pdb = one(objects, "PodDisruptionBudget")
    expect(pdb["apiVersion"] == "policy/v1" and pdb["spec"]["minAvailable"] == 1, f"PodDisruptionBudget: {pdb}")
    service = one(objects, "Service", f"{RELEASE}-metrics")
    expect(service["spec"]["ports"] == [{"name": "metrics", "port": 8080, "targetPort": "metrics", "protocol": "TCP"}], f"metrics Service: {service['spec']}")
    expect(not find(render({"replicaCount": 1}), "PodDisruptionBudget"), "a PodDisruptionBudget with one replica")
    expect(one(render(kube_version="v1.20.2"), "PodDisruptionBudget")["apiVersion"] == "policy/v1beta1", "no policy/v1beta1 on 1.20")


def operator_deployment_is_configured():
    objects = render()
    deployment = one(objects, "Deployment", RELEASE)
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    expect(deployment["spec"]["replicas"] == 2, "replicas")
    expect(container["image"] == "keyvault-operator:0.1.0", f"image {container['image']}")
    expect(container["args"] == ["run", "--leader-elect", "--leader-election-namespace=keyvault-system",
                                 f"--leader-election-id={RELEASE}", "--concurrency=16", "--vault-rate-limit=300",
                                 "--resync-period=10m", "--expiry-warning=7d", "--log-level=info", "--health-addr=:8081", "--metrics-addr=:8080",
                                 "--user-binding=namespace-annotation", "--require-secret-label"],
           f"args {container['args']}")
    env = env_of(container)
    expect(env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}, "POD_NAME")
    expect(env["KEYVAULT_URL"] == VAULT_URL, f"KEYVAULT_URL {env['KEYVAULT_URL']}")
    expect("KEYVAULT_CA_FILE" not in env and "volumes" not in pod, "a CA without vault.ca or the emulator")
    expect(env["REDIS_HOST"] == "redis" and env["REDIS_PORT"] == "6379" and env["REDIS_DB"] == "0", "REDIS_*")
    expect(env["REDIS_PASSWORD"] == {"secretKeyRef": {"name": RELEASE, "key": "redis-password"}}, "REDIS_PASSWORD")
    expect("REDIS_USERNAME" not in env, "REDIS_USERNAME without redis.username")
    expect(env["KEYVAULT_CACHE_ENCRYPTION_KEY"] == {"secretKeyRef": {"name": RELEASE, "key": "cache-encryption-key"}}, "cache key")
    expect(env["KEYVAULT_CACHE_TTL"] == "5m" and env["KEYVAULT_CACHE_PREFIX"] == "keyvault:", "cache settings")
    # The generated key is base64 of 32 random bytes, as KEYVAULT_CACHE_ENCRYPTION_KEY requires.
    secret = one(objects, "Secret", RELEASE)
    key = base64.b64decode(base64.b64decode(secret["data"]["cache-encryption-key"]), validate=True)
    expect(len(key) == 32, f"cache key of {len(key)} bytes")
    expect(container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}, "readiness probe")
    expect(container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}, "liveness probe")
    expect({"name": "health", "containerPort": 8081, "protocol": "TCP"} in container["ports"], "health port")
    security = {**pod["securityContext"], **container["securityContext"]}
    for field, value in [("runAsNonRoot", True), ("runAsUser", 65532), ("readOnlyRootFilesystem", True),
                         ("allowPrivilegeEscalation", False), ("capabilities", {"drop": ["ALL"]}),
                         ("seccompProfile", {"type": "RuntimeDefault"})]:
        expect(security.get(field) == value, f"securityContext.{field} = {security.get(field)}")
    expect(pod["serviceAccountName"] == RELEASE, "serviceAccountName")


def rbac_is_least_privilege():
    objects = render()
    expect(one(objects, "ClusterRole", RELEASE)["rules"] == WATCHED_RULES, "ClusterRole rules")
    secrets = [r for r in WATCHED_RULES if "secrets" in r["resources"]]
    expect(secrets == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}], "Secrets are read-only")
    expect(one(objects, "Role", f"{RELEASE}-leader-election", "keyvault-system")["rules"] == LEASE_RULES, "leader-election rules")
    binding = one(objects, "ClusterRoleBinding", RELEASE)
    expect(binding["subjects"] == [{"kind": "ServiceAccount", "name": RELEASE, "namespace": "keyvault-system"}], "binding subject")
    expect(binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": RELEASE}, "binding roleRef")


def namespaced_mode_uses_roles():
    objects = render({"watchNamespaces": ["a", "b"]})
    # Cluster-wide only: reading Namespaces (cluster-scoped) for their allowed users.
    expect([o["metadata"]["name"] for o in find(objects, "ClusterRole")] == [f"{RELEASE}-namespaces"], "cluster-wide RBAC in namespaced mode")
    expect(one(objects, "ClusterRole", f"{RELEASE}-namespaces")["rules"] == NAMESPACE_RULES, "Namespaces are read-only")
    for namespace in ("a", "b"):
        expect(one(objects, "Role", RELEASE, namespace)["rules"] == WATCHED_RULES, f"Role rules in {namespace}")
        binding = one(objects, "RoleBinding", RELEASE, namespace)
        expect(binding["subjects"][0]["namespace"] == "keyvault-system" and binding["roleRef"]["kind"] == "Role", f"RoleBinding in {namespace}")
    expect(one(objects, "Role", f"{RELEASE}-leader-election", "keyvault-system")["rules"] == LEASE_RULES, "leader-election Role")
    args = operator_container(objects)["args"]
    expect(args[-2:] == ["--namespace=a", "--namespace=b"], f"args {args}")


def tenancy_is_on_by_default():
    """A shared cluster is the chart's default: namespace binding and Secret opt-in, off on request."""
    args = operator_container(render())["args"]
    expect("--user-binding=namespace-annotation" in args and "--require-secret-label" in args, f"args {args}")
    objects = render({"tenancy": {"userBinding": "any", "requireSecretLabel": False}})
    args = operator_container(objects)["args"]
    expect("--user-binding=any" in args and "--require-secret-label" not in args, f"args {args}")
    expect(not find(objects, "ClusterRole", f"{RELEASE}-namespaces"), "Namespaces read without namespace binding")


def default_render_needs_a_vault_url():
    """No emulator by default: the schema requires an https vault.url, and says which value is missing."""
    for values, message in [({}, "at '/vault': missing property 'url'"), ({"vault": {"url": ""}}, "/vault/url"),
                            ({"vault": {"url": "http://myvault.example"}}, "/vault/url")]:
        try:
            render(values, bare=True)
            raise AssertionError(f"{values} rendered without a vault")
        except helm.HelmValuesError as error:
            expect(message in str(error), f"{values}: message: {error}")
        errors = helm.lint(CHART_DIR, values, strict=True)["errors"]
        expect(any(message in e for e in errors), f"lint of {values}: {errors}")
    objects = render({"vault": {"url": VAULT_URL}}, bare=True)
    expect(not emulator_objects(objects), "emulator objects rendered")
    env = env_of(operator_container(objects))
    expect(env["KEYVAULT_URL"] == VAULT_URL, f"KEYVAULT_URL {env['KEYVAULT_URL']}")
    expect("KEYVAULT_CA_FILE" not in env, "KEYVAULT_CA_FILE without a CA")
    # With the emulator on, the emulator is the vault; a vault.url given anyway wins (emulator unused).
    env = env_of(operator_container(render(EMULATOR, bare=True)))
    expect(env["KEYVAULT_URL"] == f"https://{RELEASE}-keyvault.keyvault-system.svc:4997", f"KEYVAULT_URL {env['KEYVAULT_URL']}")
    env = env_of(operator_container(render(merged(EMULATOR, {"vault": {"url": VAULT_URL}}), bare=True)))
    expect(env["KEYVAULT_URL"] == VAULT_URL, f"KEYVAULT_URL {env['KEYVAULT_URL']}")


def vault_url_template_backstop():
    """Engines that skip the schema (helm --skip-schema-validation) meet the same rule in the template."""
    with tempfile.TemporaryDirectory() as scratch:
        chart = Path(scratch) / "keyvault-operator"
        shutil.copytree(CHART_DIR, chart)
        (chart / "values.schema.json").unlink()
        for values, message in [({}, "vault.url is required: set it to your Key Vault's URL"),
                                ({"vault": {"url": "http://myvault.example"}}, "vault.url must be an https:// URL")]:
            try:
                render(values, bare=True, chart_dir=chart)
                raise AssertionError(f"{values} rendered without the schema")
            except helm.HelmRenderError as error:
                expect(message in str(error), f"{values}: message: {error}")


def existing_secrets_are_not_generated():
    objects = render(EXISTING_SECRETS)
    expect(not find(objects, "Secret"), f"generated Secrets: {[o['metadata']['name'] for o in find(objects, 'Secret')]}")
    env = env_of(operator_container(objects))
    expect(env["KEYVAULT_CACHE_ENCRYPTION_KEY"] == {"secretKeyRef": {"name": "my-cache", "key": "key"}}, "cache key ref")
    expect(env["REDIS_PASSWORD"] == {"secretKeyRef": {"name": "my-redis", "key": "password"}}, "redis ref")
    expect(env["REDIS_USERNAME"] == "app", "REDIS_USERNAME from redis.username")
    emulator = one(objects, "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]
    expect(mounted_file(emulator, emulator["containers"][0], "my-tls", "tls.key") == "/tls/tls.key", "emulator TLS Secret")
    pod, container = operator_pod(objects)
    expect(env["KEYVAULT_CA_FILE"] == mounted_file(pod, container, "my-tls", "ca.crt"), "the operator trusts another CA than the emulator's")
    # The emulator's client secret: from the TLS Secret given, or from keyvault.auth.existingSecret.
    expect(env["AZURE_CLIENT_SECRET"] == {"secretKeyRef": {"name": "my-tls", "key": "client-secret"}}, f"AZURE_CLIENT_SECRET {env['AZURE_CLIENT_SECRET']}")
    expect(mounted_file(emulator, emulator["containers"][0], "my-tls", "client-secret") == "/auth/client-secret", "client secret mount")
    objects = render(merged(EXISTING_SECRETS, {"keyvault": {"auth": {"existingSecret": "my-auth", "existingSecretKey": "secret"}}}))
    emulator = one(objects, "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]
    expect(env_of(operator_container(objects))["AZURE_CLIENT_SECRET"] == {"secretKeyRef": {"name": "my-auth", "key": "secret"}}, "AZURE_CLIENT_SECRET")
    expect(mounted_file(emulator, emulator["containers"][0], "my-auth", "secret") == "/auth/client-secret", "client secret mount")
    # The chart's own emulator Secret with TLS material only, when only the client secret is given.
    objects = render(merged(EMULATOR, {"keyvault": {"auth": {"existingSecret": "my-auth"}}}))
    expect(sorted(one(objects, "Secret", f"{RELEASE}-keyvault")["data"]) == ["ca.crt", "tls.crt", "tls.key"], "a client secret generated anyway")


def notes_say_secrets_are_read_cluster_wide():
    expect("a ClusterRole lets the operator read Secrets in every namespace" in notes({}), f"NOTES.txt: {notes({})}")
    expect("every namespace" not in notes({"watchNamespaces": ["iot"]}), "the cluster-wide note in namespaced mode")


def service_monitor_on():
    objects = render({"metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}}})
    monitor = one(objects, "ServiceMonitor", RELEASE)
    expect(monitor["apiVersion"] == "monitoring.coreos.com/v1" and monitor["metadata"]["labels"]["release"] == "prometheus", "ServiceMonitor")
    expect(monitor["spec"]["endpoints"][0]["port"] == "metrics", "endpoint port")
    service = one(objects, "Service", f"{RELEASE}-metrics")
    selector = monitor["spec"]["selector"]["matchLabels"]
    expect(all(service["metadata"]["labels"].get(k) == v for k, v in selector.items()), "selector misses the metrics Service")


DAY2 = {"metrics": {"prometheusRule": {"enabled": True, "labels": {"release": "prometheus"}}, "grafanaDashboard": {"enabled": True}}}
PROMQL_WORDS = {"sum", "rate", "max", "min", "by", "and", "or", "unless", "deriv", "absent", "time", "count", "vector",
                "histogram_quantile", "le", "without", "on", "ignoring"}


def exported_metrics():
    """Every metric label the Swift sources record (Counter/Gauge/Timer(label: "...")) and the static names."""
    text = "\n".join(path.read_text() for path in (ROOT / "Sources").rglob("*.swift"))
    names = set(re.findall(r'label:\s*"([a-z][a-z0-9]*_[a-z0-9_]+)"', text)) | set(re.findall(r'static let \w+ = "([a-z_]+_[a-z0-9_]+)"', text))
    expect({"keyvault_requests_total", "userintegration_ready"} <= names, f"found no metric labels in Sources/: {sorted(names)}")
    return names


def metrics_in(expr):
    """The metric names an expression selects: identifiers that are not functions, keywords, label names
    (inside {} or by/without ()) or strings."""
    bare = re.sub(r'"[^"]*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", "{}", bare)
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    bare = re.sub(r"\[[^\]]*\]", "[]", bare)
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", bare)) - PROMQL_WORDS
    return {n for n in names if not n.startswith("$") and not re.fullmatch(r"\d+|e\d*", n)}


def unexported(expr, exported):
    histogram = {n for n in exported} | {n + suffix for n in exported for suffix in ("_bucket", "_sum", "_count")}
    return metrics_in(expr) - histogram


def day2_is_off_by_default():
    objects = render(with_vault({}))
    expect(not find(objects, "PrometheusRule"), "a PrometheusRule by default")
    expect(not find(objects, "ConfigMap"), "a ConfigMap by default")


def prometheus_rule_has_the_runbook_alerts():
    documented = helm.values_from_yaml(docs_block("operations.md", "groups:"))
    documented = {r["alert"]: r for g in documented["groups"] for r in g["rules"]}
    objects = render(with_vault(DAY2))
    rule = one(objects, "PrometheusRule", RELEASE)
    expect(rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["metadata"]["labels"]["release"] == "prometheus", "PrometheusRule")
    rules = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    missing = set(documented) - set(rules)
    expect(not missing, f"alerts of docs/operations.md not in the chart: {missing}")
    expect({"KeyVaultIntegrationExpiringSoon", "KeyVaultIntegrationNotReady"} <= set(rules), f"alerts {sorted(rules)}")
    for name, doc in documented.items():
        expect(rules[name]["for"] == doc["for"] and rules[name]["labels"] == doc["labels"], f"{name}: for/labels differ from the docs")
        # Same expression, but for the job.
        strip = lambda e: re.sub(r'job="[^"]*"', 'job=""', " ".join(e.split()))
        expect(strip(rules[name]["expr"]) == strip(doc["expr"]), f"{name}: expr differs from the docs:\n{rules[name]['expr']}\n{doc['expr']}")
    job = one(objects, "Service", f"{RELEASE}-metrics")["metadata"]["name"]
    exported = exported_metrics()
    for name, r in rules.items():
        jobs = set(re.findall(r'job="([^"]*)"', r["expr"]))
        expect(jobs == {job}, f"{name}: job {jobs}, the metrics Service is {job}")
        expect(not unexported(r["expr"], exported), f"{name}: not exported by the operator: {unexported(r['expr'], exported)}")
        for text in r.get("annotations", {}).values():
            expect("{{" not in text or "$labels" in text or "$value" in text, f"{name}: annotation {text!r}")
    expect("$labels.namespace" in rules["KeyVaultIntegrationNotReady"]["annotations"]["summary"], "$labels reached Prometheus unescaped")
    named = one(render(with_vault(merged(DAY2, {"fullnameOverride": "platform-kvo"}))), "PrometheusRule", "platform-kvo")
    expect('job="platform-kvo-metrics"' in named["spec"]["groups"][0]["rules"][0]["expr"], "job does not follow fullnameOverride")


def grafana_dashboard_uses_exported_metrics():
    objects = render(with_vault(DAY2))
    config = one(objects, "ConfigMap", f"{RELEASE}-dashboard")
    expect(config["metadata"]["labels"].get("grafana_dashboard") == "1", f"labels {config['metadata']['labels']}")
    text = config["data"]["keyvault-operator.json"]
    expect(text.strip() == (CHART_DIR / "dashboards" / "keyvault-operator.json").read_text().strip(), "ConfigMap differs from dashboards/keyvault-operator.json")
    dashboard = json.loads(text)
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    expect(variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus", "datasource variable")
    exported = exported_metrics()
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    expect(len(exprs) >= 9, f"{len(exprs)} panel queries")
    for expr in exprs:
        expect(not unexported(expr, exported), f"{expr}: not exported by the operator: {unexported(expr, exported)}")
    used = set().union(*map(metrics_in, exprs))
    for metric in ["controller_runtime_reconcile_total", "controller_runtime_reconcile_time_seconds_bucket", "keyvault_requests_total",
                   "keyvault_request_duration_seconds_bucket", "keyvault_cache_hits_total", "keyvault_cache_misses_total",
                   "workqueue_depth", "userintegration_ready", "userintegration_expiry_timestamp_seconds"]:
        expect(metric in used, f"the dashboard does not show {metric}")
    extra = render(with_vault(merged(DAY2, {"metrics": {"grafanaDashboard": {"labels": {"team": "platform"}}}})))
    labels = one(extra, "ConfigMap", f"{RELEASE}-dashboard")["metadata"]["labels"]
    expect(labels.get("grafana_dashboard") == "1" and labels.get("team") == "platform", f"labels not merged: {labels}")


def day2_lints_strictly():
    report = helm.lint(CHART_DIR, with_vault(DAY2), strict=True)
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    expect(not problems, f"lint: {problems}")


def server_accepts_the_dashboard():
    """The dashboard ConfigMap on the real API server; the PrometheusRule is render-only (no CRD on the rig)."""
    server()
    prepare_cluster(["keyvault-system"])
    objects = [o for o in render(with_vault(DAY2), kube_version="v1.20.2") if o["kind"] != "PrometheusRule"]
    out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(objects))
    expect(out.count("(server dry run)") == len(objects) and "configmap/" in out, f"dry run: {out}")


def emulator_is_wired_as_its_image_expects():
    # This project's emulator, pinned to the chart's appVersion: PEM files and a data directory as flags.
    pod = one(render(EMULATOR), "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    expect(container["image"] == "keyvault-emulator:0.1.0" and container["imagePullPolicy"] == "IfNotPresent", f"image {container['image']}")
    expect("initContainers" not in pod and "--data=/data" in container["args"], f"our emulator: {container}")
    expect(pod["securityContext"]["runAsUser"] == 65532, f"securityContext {pod['securityContext']}")
    expect({"name": "data", "persistentVolumeClaim": {"claimName": f"{RELEASE}-keyvault"}} in pod["volumes"], "PVC")
    expect(container["ports"][0]["containerPort"] == 4997, "port")
    ephemeral = render(merged(EMULATOR, {"keyvault": {"persist": False}}))
    expect(not find(ephemeral, "PersistentVolumeClaim"), "a PVC without persist")
    tagged = merged(EMULATOR, {"keyvault": {"image": {"repository": "registry.example/keyvault-emulator", "tag": "0.1.1", "pullPolicy": "Always"}}})
    container = one(render(tagged), "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]["containers"][0]
    expect(container["image"] == "registry.example/keyvault-emulator:0.1.1" and container["imagePullPolicy"] == "Always", f"image {container}")
    # jamesgoulddev/azure-keyvault-emulator: a PFX made by an init container, /certs; its tag is required.
    for image in [JAMES, "jamesgoulddev/azure-keyvault-emulator:2.6.6"]:  # the string form of earlier charts too
        pod = one(render(merged(EMULATOR, {"keyvault": {"image": image}})), "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]
        init, container = pod["initContainers"][0], pod["containers"][0]
        expect(container["image"] == "jamesgoulddev/azure-keyvault-emulator:2.6.6", f"image {container['image']}")
        expect("-out /certs/emulator.pfx" in init["args"][0] and "pass:emulator" in init["args"][0], f"init: {init['args']}")
        expect({"name": "Persist", "value": "true"} in container["env"], "Persist")
        expect({"name": "data", "mountPath": "/certs"} in container["volumeMounts"], "/certs volume")
    try:
        render(merged(EMULATOR, {"keyvault": {"image": {"repository": "jamesgoulddev/azure-keyvault-emulator"}}}))
        raise AssertionError("rendered the third-party emulator without a tag")
    except helm.HelmRenderError as error:
        expect("keyvault.image.tag is required" in str(error), f"message: {error}")


JAMES = {"repository": "jamesgoulddev/azure-keyvault-emulator", "tag": "2.6.6"}


def no_image_is_latest_by_default():
    for values in [{}, EMULATOR]:
        images = [c["image"] for o in render(values) if o["kind"] == "Deployment"
                  for c in o["spec"]["template"]["spec"].get("initContainers", []) + o["spec"]["template"]["spec"]["containers"]]
        expect(images and all(re.fullmatch(r"[-a-z0-9./]+:0\.1\.0", i) for i in images), f"{values}: images {images}")


def notes_warn_of_the_emulator():
    text = notes(EMULATOR)
    expect("WARNING: keyvault.enabled is true" in text and "EMULATOR, for development only" in text and "not Azure Key Vault" in text
           and "a development server stores\nthe secrets it holds, unencrypted" in text, f"NOTES.txt: {text}")
    expect(f"client secret (Secret {RELEASE}-keyvault,\nkey client-secret" in text and "anyone" not in text, f"NOTES.txt: {text}")
    expect("WARNING" not in notes({}), f"NOTES.txt warns without the emulator: {notes({})}")
    text = notes(merged(EMULATOR, {"keyvault": {"image": JAMES}}))
    expect("WARNING: that image issues a token to anyone who asks" in text and "client secret (Secret" not in text, f"NOTES.txt: {text}")


def emulator_requires_its_client_secret():
    objects = render(EMULATOR)
    # Generated (40 letters and digits) into the emulator's Secret, next to the TLS material.
    data = one(objects, "Secret", f"{RELEASE}-keyvault")["data"]
    expect(sorted(data) == ["ca.crt", "client-secret", "tls.crt", "tls.key"], f"emulator Secret keys {sorted(data)}")
    expect(re.fullmatch(r"[A-Za-z0-9]{40}", base64.b64decode(data["client-secret"]).decode()), "client secret form")
    expect(data["client-secret"] != one(render(EMULATOR), "Secret", f"{RELEASE}-keyvault")["data"]["client-secret"], "the same secret twice")
    pod = one(objects, "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    args = container["args"]
    expect("--client-secret-file=/auth/client-secret" in args and "--tenant=00000000-0000-0000-0000-000000000000" in args, f"args {args}")
    expect(mounted_file(pod, container, f"{RELEASE}-keyvault", "client-secret") == "/auth/client-secret", "client secret mount")
    # The TLS volume holds only the certificate and key, not the client secret beside them.
    tls = next(v for v in pod["volumes"] if v["name"] == "tls")["secret"]
    expect([i["key"] for i in tls["items"]] == ["tls.crt", "tls.key"], f"TLS volume {tls}")
    expect(container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "https", "scheme": "HTTPS"},
           f"readiness {container['readinessProbe']}")
    # jamesgoulddev's emulator has no client secret and no /healthz.
    objects = render(merged(EMULATOR, {"keyvault": {"image": JAMES}}))
    expect("client-secret" not in one(objects, "Secret", f"{RELEASE}-keyvault")["data"], "a client secret for jamesgoulddev")
    pod = one(objects, "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]
    expect(not [v for v in pod["volumes"] if v["name"] == "auth"], f"volumes {pod['volumes']}")
    expect(pod["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/token", "readiness of jamesgoulddev")


EMULATOR_CREDENTIAL = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST", "SSL_CERT_FILE"]


def operator_authenticates_to_the_emulator():
    pod, container = operator_pod(render(EMULATOR))
    env = env_of(container)
    expect(env["AZURE_TENANT_ID"] == "00000000-0000-0000-0000-000000000000", f"AZURE_TENANT_ID {env.get('AZURE_TENANT_ID')}")
    expect(env["AZURE_CLIENT_ID"] == "keyvault-operator", f"AZURE_CLIENT_ID {env.get('AZURE_CLIENT_ID')}")
    expect(env["AZURE_CLIENT_SECRET"] == {"secretKeyRef": {"name": f"{RELEASE}-keyvault", "key": "client-secret"}}, "AZURE_CLIENT_SECRET")
    # The authority is the emulator itself (same host and port as the vault), trusted by its CA.
    expect(env["AZURE_AUTHORITY_HOST"] == env["KEYVAULT_URL"] == f"https://{RELEASE}-keyvault.keyvault-system.svc:4997",
           f"AZURE_AUTHORITY_HOST {env.get('AZURE_AUTHORITY_HOST')}")
    expect(env["SSL_CERT_FILE"] == env["KEYVAULT_CA_FILE"] == mounted_file(pod, container, f"{RELEASE}-keyvault", "ca.crt"),
           f"SSL_CERT_FILE {env.get('SSL_CERT_FILE')}")
    # azure.tenantId and the like are for a real credential; with the emulator's they are not set twice.
    names = [e["name"] for e in container["env"]]
    expect(len(names) == len(set(names)), f"env names twice: {names}")
    names = [e["name"] for e in operator_container(render(merged(EMULATOR, {"azure": {"tenantId": "t", "clientId": "c"}})))["env"]]
    expect(len(names) == len(set(names)), f"env names twice with azure.tenantId: {names}")
    # Another credential, another vault or jamesgoulddev's image: none of the five.
    for values in [{}, merged(EMULATOR, {"vault": {"url": VAULT_URL}}), merged(EMULATOR, {"keyvault": {"image": JAMES}}),
                   merged(EMULATOR, {"azure": {"clientSecret": {"existingSecret": "sp"}, "tenantId": "t", "clientId": "c"}}),
                   merged(EMULATOR, {"azure": {"workloadIdentity": True, "clientId": "c"}}),
                   merged(EMULATOR, {"azure": {"managedIdentity": {"enabled": True}}}),
                   merged(EMULATOR, {"extraEnv": [{"name": "KEYVAULT_TOKEN", "valueFrom": {"secretKeyRef": {"name": "t", "key": "t"}}}]})]:
        env = env_of(operator_container(render(values)))
        emulator_secret = env.get("AZURE_CLIENT_SECRET") == {"secretKeyRef": {"name": f"{RELEASE}-keyvault", "key": "client-secret"}}
        expect("SSL_CERT_FILE" not in env and not emulator_secret and env.get("AZURE_CLIENT_ID") != "keyvault-operator",
               f"{values}: env {sorted(env)}")


def pod_labels(objects, name):
    return one(objects, "Deployment", name)["spec"]["template"]["metadata"]["labels"]


def selects(selector, labels):
    """Whether a LabelSelector (matchLabels only, as the chart writes them) selects these labels."""
    expect(set(selector) <= {"matchLabels"}, f"selector {selector}")
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


NAMESPACE_LABEL = "kubernetes.io/metadata.name"


def network_policies_admit_only_who_is_named():
    objects = render()
    policy = one(objects, "NetworkPolicy", RELEASE)
    spec = policy["spec"]
    operator_labels = pod_labels(objects, RELEASE)
    expect(selects(spec["podSelector"], operator_labels), f"podSelector {spec['podSelector']} misses the operator pods")
    # Ingress only, none admitted by default; egress open (Azure and the API server have no stable addresses).
    expect(spec["policyTypes"] == ["Ingress"] and spec["ingress"] == [] and "egress" not in spec, f"spec {spec}")
    expect([o["metadata"]["name"] for o in find(objects, "NetworkPolicy")] == [RELEASE], "other policies by default")
    # The namespaces named (by their name label) and the extra peers, on the metrics port only.
    extra = {"ipBlock": {"cidr": "10.20.0.0/16"}}
    objects = render({"metrics": {"port": 9090}, "networkPolicy": {"metrics": {"namespaces": ["monitoring", "obs"], "from": [extra]}}})
    ingress = one(objects, "NetworkPolicy", RELEASE)["spec"]["ingress"]
    expect(ingress == [{"ports": [{"port": 9090, "protocol": "TCP"}],
                        "from": [{"namespaceSelector": {"matchExpressions": [{"key": NAMESPACE_LABEL, "operator": "In", "values": ["monitoring", "obs"]}]}}, extra]}],
           f"ingress {ingress}")
    ingress = one(render({"networkPolicy": {"health": {"namespaces": ["probes"]}}}), "NetworkPolicy", RELEASE)["spec"]["ingress"]
    expect([r["ports"] for r in ingress] == [[{"port": 8081, "protocol": "TCP"}]] and ingress[0]["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"] == ["probes"],
           f"health ingress {ingress}")
    # The emulator: 4997 from the operator's pods and the peers named, not from the emulator's own.
    app = {"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: "iot"}}, "podSelector": {"matchLabels": {"app": "iot-api"}}}
    objects = render(merged(EMULATOR, {"networkPolicy": {"keyvault": {"from": [app]}}}))
    spec = one(objects, "NetworkPolicy", f"{RELEASE}-keyvault")["spec"]
    emulator_labels = pod_labels(objects, f"{RELEASE}-keyvault")
    expect(selects(spec["podSelector"], emulator_labels) and not selects(spec["podSelector"], operator_labels), f"podSelector {spec['podSelector']}")
    expect(not selects(one(objects, "NetworkPolicy", RELEASE)["spec"]["podSelector"], emulator_labels), "the operator's policy selects the emulator")
    expect(spec["policyTypes"] == ["Ingress"] and len(spec["ingress"]) == 1, f"spec {spec}")
    rule = spec["ingress"][0]
    expect(rule["ports"] == [{"port": 4997, "protocol": "TCP"}] and rule["from"][1:] == [app], f"rule {rule}")
    expect(list(rule["from"][0]) == ["podSelector"] and selects(rule["from"][0]["podSelector"], operator_labels)
           and not selects(rule["from"][0]["podSelector"], emulator_labels), f"operator peer {rule['from'][0]}")
    # Redis: only with a podSelector; its port from the operator and the apps named.
    expect(not find(render(EMULATOR), "NetworkPolicy", f"{RELEASE}-redis"), "a Redis policy without redis.podSelector")
    redis = {"matchLabels": {"app.kubernetes.io/name": "redis"}}
    spec = one(render({"networkPolicy": {"redis": {"podSelector": redis, "port": 6380, "from": [app]}}}), "NetworkPolicy", f"{RELEASE}-redis")["spec"]
    expect(spec["podSelector"] == redis and spec["policyTypes"] == ["Ingress"], f"spec {spec}")
    expect(spec["ingress"] == [{"ports": [{"port": 6380, "protocol": "TCP"}], "from": [rule["from"][0], app]}], f"ingress {spec['ingress']}")
    # Off: none at all.
    expect(not find(render(merged(EMULATOR, {"networkPolicy": {"enabled": False, "redis": {"podSelector": redis}}})), "NetworkPolicy"), "policies while off")


def notes_warn_when_the_policy_blocks_the_service_monitor():
    monitor = {"metrics": {"serviceMonitor": {"enabled": True}}}
    expect("admits no one to the metrics port 8080" in notes(monitor), f"NOTES.txt: {notes(monitor)}")
    for values in [merged(monitor, {"networkPolicy": {"metrics": {"namespaces": ["monitoring"]}}}),
                   merged(monitor, {"networkPolicy": {"enabled": False}}), {}]:
        expect("admits no one" not in notes(values), f"{values}: NOTES.txt: {notes(values)}")


REDIS_TLS_ENV = ["REDIS_TLS", "REDIS_CA_FILE", "REDIS_CERT_FILE", "REDIS_KEY_FILE", "REDIS_TLS_SERVER_NAME", "REDIS_TLS_SKIP_VERIFY"]


def operator_pod(objects):
    pod = one(objects, "Deployment", RELEASE)["spec"]["template"]["spec"]
    return pod, pod["containers"][0]


def redis_tls_is_off_by_default():
    # The operator refuses any TLS setting while TLS is off, so settings under a disabled redis.tls
    # render nothing either. With the emulator on, its CA is the one volume.
    for values in [EMULATOR, merged(EMULATOR, {"redis": {"tls": {"caSecret": "my-redis-ca", "clientCertSecret": "my-redis-client",
                                                                 "serverName": "redis.internal", "skipVerify": True}}})]:
        pod, container = operator_pod(render(values))
        env = env_of(container)
        expect(not [n for n in REDIS_TLS_ENV + ["REDIS_URL"] if n in env], f"{values}: env {sorted(env)}")
        expect([v["name"] for v in pod["volumes"]] == ["keyvault-ca"], f"{values}: volumes {pod['volumes']}")
        expect([m["name"] for m in container["volumeMounts"]] == ["keyvault-ca"], f"{values}: mounts {container['volumeMounts']}")
        expect("skipVerify" not in notes(values), f"{values}: a skipVerify warning in NOTES.txt")


def redis_tls_trusts_the_ca_secret():
    pod, container = operator_pod(render({"redis": {"tls": {"enabled": True, "caSecret": "my-redis-ca"}}}))
    env = env_of(container)
    expect(env["REDIS_TLS"] == "true", f"REDIS_TLS {env.get('REDIS_TLS')}")
    expect(env["REDIS_CA_FILE"] == mounted_file(pod, container, "my-redis-ca", "ca.crt"), f"REDIS_CA_FILE {env['REDIS_CA_FILE']}")
    expect(env["REDIS_CA_FILE"].startswith("/etc/keyvault-operator/redis-tls/"), f"REDIS_CA_FILE {env['REDIS_CA_FILE']}")
    expect(not [n for n in ["REDIS_CERT_FILE", "REDIS_KEY_FILE", "REDIS_TLS_SERVER_NAME", "REDIS_TLS_SKIP_VERIFY"] if n in env], f"env {sorted(env)}")
    # Another key of the Secret, and the vault's CA mount kept alongside.
    pod, container = operator_pod(render(merged(EMULATOR, {"redis": {"tls": {"enabled": True, "caSecret": "my-redis-ca", "caSecretKey": "bundle.pem"}}})))
    env = env_of(container)
    expect(env["REDIS_CA_FILE"] == mounted_file(pod, container, "my-redis-ca", "bundle.pem"), f"REDIS_CA_FILE {env['REDIS_CA_FILE']}")
    expect(env["KEYVAULT_CA_FILE"] == mounted_file(pod, container, f"{RELEASE}-keyvault", "ca.crt"), "KEYVAULT_CA_FILE")
    # Without a CA Secret: the system trust store, nothing mounted.
    pod, container = operator_pod(render({"redis": {"tls": {"enabled": True}}}))
    env = env_of(container)
    expect(env["REDIS_TLS"] == "true" and "REDIS_CA_FILE" not in env, f"env {sorted(env)}")
    expect("volumes" not in pod and "volumeMounts" not in container, f"volumes {pod.get('volumes')}")


def redis_mutual_tls_mounts_the_client_certificate():
    pod, container = operator_pod(render({"redis": {"tls": {"enabled": True, "clientCertSecret": "my-redis-client"}}}))
    env = env_of(container)
    expect(env["REDIS_CERT_FILE"] == mounted_file(pod, container, "my-redis-client", "tls.crt"), f"REDIS_CERT_FILE {env['REDIS_CERT_FILE']}")
    expect(env["REDIS_KEY_FILE"] == mounted_file(pod, container, "my-redis-client", "tls.key"), f"REDIS_KEY_FILE {env['REDIS_KEY_FILE']}")
    expect(env["REDIS_TLS"] == "true" and "REDIS_CA_FILE" not in env, f"env {sorted(env)}")
    # One cert-manager Secret (ca.crt, tls.crt, tls.key) as both the CA and the client certificate.
    tls = {"enabled": True, "caSecret": "redis-client-tls", "clientCertSecret": "redis-client-tls"}
    pod, container = operator_pod(render({"redis": {"tls": tls}}))
    env = env_of(container)
    for name, key in [("REDIS_CA_FILE", "ca.crt"), ("REDIS_CERT_FILE", "tls.crt"), ("REDIS_KEY_FILE", "tls.key")]:
        expect(env[name] == mounted_file(pod, container, "redis-client-tls", key), f"{name} {env[name]}")
    paths = [m["mountPath"] for m in container["volumeMounts"]]
    expect(len(set(paths)) == len(paths), f"mount paths collide: {paths}")


def redis_tls_server_name_and_skip_verify():
    values = {"redis": {"tls": {"enabled": True, "serverName": "redis.internal", "skipVerify": True}}}
    env = env_of(operator_pod(render(values))[1])
    expect(env["REDIS_TLS_SERVER_NAME"] == "redis.internal", f"REDIS_TLS_SERVER_NAME {env.get('REDIS_TLS_SERVER_NAME')}")
    expect(env["REDIS_TLS_SKIP_VERIFY"] == "true", f"REDIS_TLS_SKIP_VERIFY {env.get('REDIS_TLS_SKIP_VERIFY')}")
    expect("WARNING: redis.tls.skipVerify is true" in notes(values), f"NOTES.txt: {notes(values)}")
    verified = {"redis": {"tls": {"enabled": True, "serverName": "redis.internal"}}}
    expect("REDIS_TLS_SKIP_VERIFY" not in env_of(operator_pod(render(verified))[1]), "REDIS_TLS_SKIP_VERIFY without skipVerify")
    expect("WARNING" not in notes(verified), "a warning in NOTES.txt without skipVerify")


def managed_identity_through_imds():
    env = env_of(operator_container(render({})))
    expect("AZURE_POD_IDENTITY_AUTHORITY_HOST" not in env, "AZURE_POD_IDENTITY_AUTHORITY_HOST by default")
    env = env_of(operator_container(render({"azure": {"managedIdentity": {"enabled": True, "clientId": "uai-1"}}})))
    expect(env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] == "http://169.254.169.254", f"IMDS host {env.get('AZURE_POD_IDENTITY_AUTHORITY_HOST')}")
    expect(env["AZURE_CLIENT_ID"] == "uai-1", f"AZURE_CLIENT_ID {env.get('AZURE_CLIENT_ID')}")
    env = env_of(operator_container(render({"azure": {"managedIdentity": {"enabled": True}}})))
    expect("AZURE_CLIENT_ID" not in env, "AZURE_CLIENT_ID for a system-assigned identity")
    try:
        render({"azure": {"managedIdentity": {"enabled": True}, "workloadIdentity": True, "clientId": "c"}})
        raise AssertionError("rendered managed identity together with workload identity")
    except helm.HelmRenderError as error:
        expect("azure.managedIdentity.enabled" in str(error), f"message: {error}")


def redis_cluster_seed():
    expect("REDIS_CLUSTER" not in env_of(operator_container(render({}))), "REDIS_CLUSTER by default")
    env = env_of(operator_container(render({"redis": {"cluster": True, "host": "redis-cluster"}})))
    expect(env["REDIS_CLUSTER"] == "true", f"REDIS_CLUSTER {env.get('REDIS_CLUSTER')}")
    expect(env["REDIS_HOST"] == "redis-cluster", f"REDIS_HOST {env.get('REDIS_HOST')}")


def expiry_warning_reaches_the_operator():
    """expiryWarning becomes --expiry-warning (7d by default); a bad duration is a schema error."""
    args = operator_container(render())["args"]
    expect("--expiry-warning=7d" in args, f"args {args}")
    args = operator_container(render({"expiryWarning": "36h"}))["args"]
    expect("--expiry-warning=36h" in args, f"args {args}")
    for bad in ["7 days", "-1d", ""]:
        try:
            render({"expiryWarning": bad})
        except Exception:  # noqa: BLE001 - Helm reports schema errors as one exception type
            continue
        raise AssertionError(f"expiryWarning {bad!r} was accepted")


def cache_key_rotation_takes_previous_keys():
    """KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS comes from a Secret named for the rotation, only then."""
    env = env_of(operator_container(render()))
    expect("KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS" not in env, "previous keys without a rotation")
    env = env_of(operator_container(render({"cache": {"encryption": {"previousKeysSecret": "old-cache-keys"}}})))
    expect(env["KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS"] == {"secretKeyRef": {"name": "old-cache-keys", "key": "previous-keys"}},
           f"previous keys {env.get('KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS')}")
    env = env_of(operator_container(render({"cache": {"encryption": {"enabled": False, "previousKeysSecret": "old-cache-keys"}}})))
    expect("KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS" not in env, "previous keys with encryption off")


def redis_url_from_existing_secret():
    objects = render({"redis": {"existingUrlSecret": "azure-redis"}})
    env = env_of(operator_container(objects))
    expect(env["REDIS_URL"] == {"secretKeyRef": {"name": "azure-redis", "key": "redis-url"}}, f"REDIS_URL {env.get('REDIS_URL')}")
    # REDIS_URL wins over these, so the chart neither sets them nor generates a password.
    expect(not [n for n in ["REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD"] if n in env], f"env {sorted(env)}")
    expect("redis-password" not in one(objects, "Secret", RELEASE)["data"], "a generated Redis password")
    expect("must accept the password" not in notes({"redis": {"existingUrlSecret": "azure-redis"}}), "NOTES.txt asks for the generated password")
    env = env_of(operator_container(render({"redis": {"existingUrlSecret": "azure-redis", "existingUrlSecretKey": "url", "username": "app"}})))
    expect(env["REDIS_URL"] == {"secretKeyRef": {"name": "azure-redis", "key": "url"}}, f"REDIS_URL {env.get('REDIS_URL')}")
    expect(env["REDIS_USERNAME"] == "app", "REDIS_USERNAME with a URL")
    try:
        render({"redis": {"existingUrlSecret": "azure-redis", "existingSecret": "my-redis"}})
        raise AssertionError("rendered with both a URL and a password Secret")
    except helm.HelmRenderError as error:
        expect("redis.existingUrlSecret" in str(error) and "redis.existingSecret" in str(error), f"message: {error}")


BAD_VALUES = [
    ({"replicaCount": 0}, "/replicaCount"),
    ({"shards": ["Shard_1"]}, "/shards/0"),
    ({"shards": ["shard1", "shard1"]}, "/shards"),
    ({"replicaCount": "two"}, "/replicaCount"),
    ({"logLevel": "verbose"}, "/logLevel"),
    ({"tenancy": {"userBinding": "none"}}, "/tenancy/userBinding"),
    ({"bogus": True}, "bogus"),
    ({"metrics": {"prometheusRule": {"enabled": True, "namespace": "monitoring"}}}, "namespace"),
    ({"metrics": {"grafanaDashboard": {"labels": {"grafana_dashboard": 1}}}}, "/metrics/grafanaDashboard/labels/grafana_dashboard"),
    ({"redis": {"port": "6379"}}, "/redis/port"),
    ({"watchNamespaces": "iot"}, "/watchNamespaces"),
    ({"keyvault": {"persist": "yes"}}, "/keyvault/persist"),
    ({"resyncPeriod": "ten minutes"}, "/resyncPeriod"),
    ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
    ({"redis": {"tls": {"enabled": "true"}}}, "/redis/tls/enabled"),
    ({"redis": {"cluster": "yes"}}, "/redis/cluster"),
    ({"azure": {"managedIdentity": {"imdsHost": "169.254.169.254"}}}, "/azure/managedIdentity/imdsHost"),
    ({"redis": {"tls": {"skipVerify": "yes"}}}, "/redis/tls/skipVerify"),
    ({"redis": {"tls": {"clientCert": "my-redis-client"}}}, "clientCert"),
    ({"redis": {"tls": {"caSecretKey": "../ca.crt"}}}, "/redis/tls/caSecretKey"),
    ({"redis": {"existingUrlSecret": "Azure_Redis"}}, "/redis/existingUrlSecret"),
    ({"keyvault": {"enabled": True, "image": {"repository": "keyvault-emulator", "pullPolicy": "Sometimes"}}}, "/keyvault/image"),
    ({"keyvault": {"enabled": True, "image": {"name": "keyvault-emulator"}}}, "/keyvault/image"),
    ({"keyvault": {"enabled": True, "image": ""}}, "/keyvault/image"),
    ({"networkPolicy": {"metrics": {"namespaces": "monitoring"}}}, "/networkPolicy/metrics/namespaces"),
    ({"networkPolicy": {"health": {"from": [{"pods": {}}]}}}, "/networkPolicy/health/from/0"),
    ({"networkPolicy": {"keyvault": {"from": [{}]}}}, "/networkPolicy/keyvault/from/0"),
    ({"networkPolicy": {"redis": {"port": "6379"}}}, "/networkPolicy/redis/port"),
    ({"networkPolicy": {"redis": {"podSelector": {"app": "redis"}}}}, "/networkPolicy/redis/podSelector"),
    ({"nameOverride": "Key_Vault"}, "/nameOverride"),
    ({"fullnameOverride": "x" * 64}, "/fullnameOverride"),
    ({"gitops": "yes"}, "/gitops"),
    ({"crds": {"install": "yes"}}, "/crds/install"),
    ({"crds": {"upgrade": True}}, "upgrade"),
    ({"extraArgs": "--context=admin"}, "/extraArgs"),
    ({"vaultRateLimit": 0}, "/vaultRateLimit"),
    ({"vaultRateLimit": "300"}, "/vaultRateLimit"),
    ({"extraArgs": ["100"]}, "/extraArgs/0"),
    ({"priorityClassName": 1000}, "/priorityClassName"),
    ({"topologySpreadConstraints": [{"maxSkew": 1}]}, "/topologySpreadConstraints/0"),
    ({"global": "shared"}, "/global"),
]


def schema_rejects_bad_values():
    for values, field in BAD_VALUES:
        values = with_vault(values)
        try:
            render(values)
            raise AssertionError(f"{values} rendered")
        except helm.HelmValuesError as error:
            expect(field in str(error), f"{values}: message does not name {field}: {error}")
        errors = helm.lint(CHART_DIR, values, strict=True)["errors"]
        expect(any(field in e for e in errors), f"lint of {values}: {errors}")


def deploy_matches_a_fresh_render():
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, str(ROOT / "scripts" / "render-manifests"), out], check=True, capture_output=True)
        fresh = (Path(out) / "keyvault-operator.yaml").read_bytes()
    expect(fresh == (ROOT / "deploy" / "keyvault-operator.yaml").read_bytes(), "deploy/keyvault-operator.yaml is stale: run scripts/render-manifests")
    expect(b"kind: Secret\n" not in fresh, "plain manifests hold a generated Secret")


def lints_strictly_with_every_new_value():
    values = with_vault({"nameOverride": "kvo", "fullnameOverride": "platform-kvo", "global": {"imageRegistry": "registry.example"},
                         "gitops": True, "crds": {"install": True, "keep": True}, "extraArgs": ["--context=admin"], "vaultRateLimit": 200, "shards": ["shard1", "shard2"],
                         "extraEnv": [{"name": "TZ", "value": "UTC"}], "podAnnotations": {"team": "platform"},
                         "priorityClassName": "system-cluster-critical",
                         "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}],
                         **GITOPS_SECRETS})
    report = helm.lint(CHART_DIR, values, strict=True)
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    expect(not problems, f"lint: {problems}")


def names_follow_the_overrides():
    """fullnameOverride names every object and the Lease; nameOverride the chart's part and the name label."""
    objects = render({"fullnameOverride": "platform-kvo", "watchNamespaces": ["iot"]})
    expect(all(o["metadata"]["name"].startswith("platform-kvo") for o in objects), f"names {[o['metadata']['name'] for o in objects]}")
    pod = one(objects, "Deployment", "platform-kvo")["spec"]["template"]["spec"]
    expect(pod["serviceAccountName"] == "platform-kvo", f"serviceAccountName {pod['serviceAccountName']}")
    env = env_of(pod["containers"][0])
    expect(env["REDIS_PASSWORD"] == {"secretKeyRef": {"name": "platform-kvo", "key": "redis-password"}}, "Secret name")
    one(objects, "Secret", "platform-kvo")
    objects = render({"nameOverride": "kvo"})
    deployment = one(objects, "Deployment", f"{RELEASE}-kvo")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    expect(labels["app.kubernetes.io/name"] == "kvo", f"labels {labels}")
    expect(selects(deployment["spec"]["selector"], labels), "the Deployment's selector misses its pods")
    service = one(objects, "Service", f"{RELEASE}-kvo-metrics")
    expect(all(labels.get(k) == v for k, v in service["spec"]["selector"].items()), "the metrics Service misses the pods")
    expect(selects(one(objects, "PodDisruptionBudget")["spec"]["selector"], labels), "the PodDisruptionBudget misses the pods")
    # A release whose name holds the chart's name (override) is used as is.
    expect(find(render({"nameOverride": "kvo"}, release="kvo-prod"), "Deployment", "kvo-prod"), "kvo-prod doubled")


def lease_name_derives_from_the_release():
    """Two releases in one namespace campaign for two Leases, each Role naming its own."""
    leases = set()
    for release in ["team-a", "team-b"]:
        objects = render(release=release)
        args = operator_container(objects, f"{release}-keyvault-operator")["args"]
        lease = next(a.split("=", 1)[1] for a in args if a.startswith("--leader-election-id="))
        role = one(objects, "Role", f"{release}-keyvault-operator-leader-election", "keyvault-system")
        named = [r["resourceNames"] for r in role["rules"] if "resourceNames" in r]
        expect(named == [[lease]], f"{release}: Lease {lease}, Role names {named}")
        leases.add(lease)
    expect(leases == {"team-a-keyvault-operator", "team-b-keyvault-operator"}, f"Leases {leases}")
    args = operator_container(render({"fullnameOverride": "shard-1"}), "shard-1")["args"]
    expect("--leader-election-id=shard-1" in args, f"args {args}")


def chart_works_as_a_subchart():
    """`global` is accepted, and a parent chart renders this one with its values under the chart's name."""
    values = {"global": {"imageRegistry": "registry.example", "anything": [1, 2]}}
    expect(one(render(values), "Deployment", RELEASE), "render with global")
    with tempfile.TemporaryDirectory() as scratch:
        parent = Path(scratch) / "platform"
        (parent / "charts").mkdir(parents=True)
        shutil.copytree(CHART_DIR, parent / "charts" / "keyvault-operator")
        (parent / "Chart.yaml").write_text("apiVersion: v2\nname: platform\nversion: 1.0.0\n"
                                           "dependencies:\n  - name: keyvault-operator\n    version: 0.1.0\n")
        (parent / "values.yaml").write_text("global:\n  environment: prod\n")
        (parent / "templates").mkdir()
        (parent / "templates" / "environment.yaml").write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: environment\ndata:\n  name: {{ .Values.global.environment }}\n")
        values = {"keyvault-operator": {"vault": {"url": VAULT_URL}, "fullnameOverride": "kvo"}}
        with helm.Chart.load(parent) as chart:
            manifests = chart.render(values, name="platform", namespace="platform")
        objects = [o for path, text in manifests.items() if path.endswith(".yaml") for o in documents(text)]
        expect(env_of(operator_container(objects, "kvo"))["KEYVAULT_URL"] == VAULT_URL, "the parent's values did not reach the subchart")
        report = helm.lint(parent, values, strict=True)
        problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
        expect(not problems, f"lint of the parent: {problems}")


# Everything gitops: true requires instead of generating.
GITOPS_SECRETS = {
    "cache": {"encryption": {"existingSecret": "kvo-cache-key"}},
    "redis": {"existingSecret": "redis", "existingSecretKey": "redis-password"},
}


def manifest_text(values, release=RELEASE):
    with helm.Chart.load(CHART_DIR) as chart:
        return json.dumps(chart.render(with_vault(values), name=release, namespace="keyvault-system"), sort_keys=True)


def gitops_refuses_to_generate_secrets():
    """Under gitops every secret comes from an existing Secret, and a refusal names the value to set."""
    base = {"gitops": True}
    for values, named in [(base, "cache.encryption.existingSecret"),
                          (merged(base, {"cache": GITOPS_SECRETS["cache"]}), "redis.existingSecret"),
                          (merged(base, GITOPS_SECRETS, EMULATOR), "keyvault.tls.existingSecret")]:
        try:
            render(values)
            raise AssertionError(f"{values} rendered under gitops")
        except helm.HelmRenderError as error:
            expect(f"gitops is true" in str(error) and named in str(error) and "docs/gitops.md" in str(error), f"{values}: message: {error}")
    # Each alternative the messages offer is accepted.
    for values in [merged(base, GITOPS_SECRETS),
                   merged(base, {"cache": {"encryption": {"enabled": False}}, "redis": {"auth": False}}),
                   merged(base, GITOPS_SECRETS, {"redis": {"existingSecret": "", "existingUrlSecret": "redis-url"}}),
                   merged(base, GITOPS_SECRETS, EMULATOR, {"keyvault": {"tls": {"existingSecret": "emulator-tls"}}})]:
        objects = render(values)
        expect(not find(objects, "Secret"), f"{values}: generated {[o['metadata']['name'] for o in find(objects, 'Secret')]}")
        annotations = one(objects, "Deployment", RELEASE)["spec"]["template"]["metadata"].get("annotations", {})
        expect(not [k for k in annotations if k.startswith("checksum/")], f"{values}: checksums of no chart Secret: {annotations}")
    # What Argo CD relies on: two renders are the same bytes (with and without the emulator).
    for values in [merged(base, GITOPS_SECRETS), merged(base, GITOPS_SECRETS, EMULATOR, {"keyvault": {"tls": {"existingSecret": "emulator-tls"}}})]:
        expect(manifest_text(values) == manifest_text(values), f"{values}: two renders differ")
    # The trap gitops closes: without lookup, the generated Secret changes on every render.
    expect(manifest_text({}) != manifest_text({}), "the generated secrets repeat without lookup: update docs/gitops.md")


def checksums_roll_the_pods_with_the_chart_secrets():
    objects = render(EMULATOR)
    operator = one(objects, "Deployment", RELEASE)["spec"]["template"]["metadata"]["annotations"]
    emulator = one(objects, "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["metadata"]["annotations"]
    expect(sorted(operator) == ["checksum/keyvault-secret", "checksum/secret"], f"operator pod annotations {operator}")
    expect(sorted(emulator) == ["checksum/keyvault-secret"], f"emulator pod annotations {emulator}")
    expect(all(re.fullmatch(r"[0-9a-f]{64}", v) for v in [*operator.values(), *emulator.values()]), f"{operator} {emulator}")
    # The operator reads the emulator's Secret only while the emulator is its vault.
    operator = one(render(merged(EMULATOR, {"vault": {"url": VAULT_URL}})), "Deployment", RELEASE)["spec"]["template"]["metadata"]["annotations"]
    expect(sorted(operator) == ["checksum/secret"], f"operator pod annotations {operator}")
    # podAnnotations beside them; none of the chart's with every Secret given.
    annotations = one(render({"podAnnotations": {"team": "platform"}}), "Deployment", RELEASE)["spec"]["template"]["metadata"]["annotations"]
    expect(sorted(annotations) == ["checksum/secret", "team"], f"annotations {annotations}")
    annotations = one(render(merged(GITOPS_SECRETS, {"podAnnotations": {"team": "platform"}})), "Deployment", RELEASE)["spec"]["template"]["metadata"]["annotations"]
    expect(annotations == {"team": "platform"}, f"annotations {annotations}")


def pod_settings_and_extra_args():
    objects = render({"extraArgs": ["--kubeconfig=/etc/kube/config", "--context=admin"], "priorityClassName": "platform-critical",
                      "extraEnv": [{"name": "TZ", "value": "UTC"}],
                      "topologySpreadConstraints": [
                          {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"},
                          {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
                           "labelSelector": {"matchLabels": {"app": "other"}}}]})
    pod = one(objects, "Deployment", RELEASE)["spec"]["template"]
    container = pod["spec"]["containers"][0]
    expect(container["args"][-2:] == ["--kubeconfig=/etc/kube/config", "--context=admin"], f"args {container['args']}")
    expect(container["env"][-1] == {"name": "TZ", "value": "UTC"}, f"env {container['env'][-1]}")
    expect(pod["spec"]["priorityClassName"] == "platform-critical", "priorityClassName")
    zone, host = pod["spec"]["topologySpreadConstraints"]
    expect(selects(zone["labelSelector"], pod["metadata"]["labels"]) and zone["topologyKey"] == "topology.kubernetes.io/zone", f"zone {zone}")
    expect(host["labelSelector"] == {"matchLabels": {"app": "other"}}, f"a given labelSelector changed: {host}")
    pod = one(render(), "Deployment", RELEASE)["spec"]["template"]["spec"]
    expect("priorityClassName" not in pod and "topologySpreadConstraints" not in pod, "pod settings by default")
    for flag, value in [("--concurrency=8", "concurrency"), ("--vault-rate-limit=100", "vaultRateLimit"), ("--namespace=iot", "watchNamespaces"),
                        ("--leader-election-id=x", "fullnameOverride"), ("--require-secret-label", "tenancy.requireSecretLabel")]:
        try:
            render({"extraArgs": [flag]})
            raise AssertionError(f"extraArgs {flag} rendered")
        except helm.HelmRenderError as error:
            expect(f"the chart sets {flag.split('=')[0]}" in str(error) and value in str(error), f"{flag}: message: {error}")


SHARD_LABEL = "integrations.keyvault.dev/shard"


def shards_run_one_deployment_each():
    """shards: one Deployment and Lease per shard beside the main one, selectors that never overlap,
    one metrics Service and one NetworkPolicy over all of them, and a PodDisruptionBudget each."""
    objects = render({"shards": ["shard1", "shard2"]})
    names = [RELEASE, f"{RELEASE}-shard1", f"{RELEASE}-shard2"]
    deployments = {d["metadata"]["name"]: d for d in find(objects, "Deployment")}
    expect(sorted(deployments) == sorted(names), f"Deployments {sorted(deployments)}")
    selectors = {
        RELEASE: f"--watch-label-selector={SHARD_LABEL} notin (shard1,shard2)",
        f"{RELEASE}-shard1": f"--watch-label-selector={SHARD_LABEL}=shard1",
        f"{RELEASE}-shard2": f"--watch-label-selector={SHARD_LABEL}=shard2",
    }
    lease_role = next(r for r in find(objects, "Role") if r["metadata"]["name"].endswith("-leader-election"))
    leased = next(rule["resourceNames"] for rule in lease_role["rules"] if "resourceNames" in rule)
    for name, deployment in deployments.items():
        args = operator_container(objects, name)["args"]
        expect(selectors[name] in args, f"{name} args {args}")
        # The three processes share the release's vault budget (300 by default).
        expect("--vault-rate-limit=100" in args, f"{name}: its share of the vault budget {args}")
    try:
        render({"shards": ["shard1", "shard2"], "vaultRateLimit": 2})
        raise AssertionError("a budget below one call a second per process rendered")
    except helm.HelmRenderError as error:
        expect("vaultRateLimit 2" in str(error) and "3 processes" in str(error), f"message: {error}")
        expect(f"--leader-election-id={name}" in args and name in leased, f"{name}: Lease {args}, Role {leased}")
        for other, labels in ((o, pod_labels(objects, o)) for o in names):
            expect(selects(deployment["spec"]["selector"], labels) == (other == name), f"{name}'s selector and {other}'s pods")
        pdb = one(objects, "PodDisruptionBudget", name)
        expect(pdb["spec"]["selector"] == deployment["spec"]["selector"], f"{name}: PodDisruptionBudget {pdb['spec']}")
    service = one(objects, "Service", f"{RELEASE}-metrics")["spec"]["selector"]
    policy = one(objects, "NetworkPolicy", RELEASE)["spec"]["podSelector"]
    for name in names:
        expect(selects({"matchLabels": service}, pod_labels(objects, name)), f"the metrics Service misses {name}")
        expect(selects(policy, pod_labels(objects, name)), f"the NetworkPolicy misses {name}")
    text = notes({"shards": ["shard1", "shard2"]})
    expect(f"{RELEASE}-shard1, {RELEASE}-shard2" in text and f"{SHARD_LABEL}=SHARD" in text, f"NOTES: {text}")
    plain = render()
    expect(len(find(plain, "Deployment")) == 1, "Deployments without shards")
    expect("Sharded" not in notes(), "NOTES speak of shards without any")
    expect(not [a for a in operator_container(plain)["args"] if a.startswith("--watch-label-selector")], "a selector without shards")
    expect(operator_container(render({"extraArgs": ["--watch-label-selector=tier=gold"]}))["args"][-1] == "--watch-label-selector=tier=gold",
           "without shards, extraArgs may set the selector")
    try:
        render({"shards": ["shard1"], "extraArgs": ["--watch-label-selector=tier=gold"]})
        raise AssertionError("a selector in extraArgs rendered beside shards")
    except helm.HelmRenderError as error:
        expect("--watch-label-selector" in str(error) and "watchLabelSelector" in str(error), f"message: {error}")
    expect("--watch-label-selector=tier=gold" in operator_container(render({"watchLabelSelector": "tier=gold"}))["args"],
           "watchLabelSelector without shards")
    # A release of its own selector (one per vault, say), sharded within it.
    narrowed = render({"watchLabelSelector": "integrations.keyvault.dev/vault=eu-1", "shards": ["shard1"]})
    expect(f"--watch-label-selector=integrations.keyvault.dev/vault=eu-1,{SHARD_LABEL} notin (shard1)" in operator_container(narrowed)["args"],
           f"main {operator_container(narrowed)['args']}")
    expect(f"--watch-label-selector=integrations.keyvault.dev/vault=eu-1,{SHARD_LABEL}=shard1" in operator_container(narrowed, f"{RELEASE}-shard1")["args"],
           "shard1 args")


def crds_install_renders_the_repository_crd():
    expect(not find(render(), "CustomResourceDefinition"), "a templated CRD by default")
    crd = one(render({"crds": {"install": True}}), "CustomResourceDefinition")
    file = helm.values_from_yaml((ROOT / "crds" / CRD).read_text())
    metadata = crd["metadata"]
    expect(metadata["annotations"] == {"helm.sh/resource-policy": "keep"}, f"annotations {metadata.get('annotations')}")
    expect(metadata["labels"]["app.kubernetes.io/managed-by"] == "Helm" and metadata["labels"]["app.kubernetes.io/name"] == "keyvault-operator",
           f"labels {metadata['labels']}")
    expect({**crd, "metadata": {"name": metadata["name"]}} == {**file, "metadata": {"name": file["metadata"]["name"]}},
           "the templated CRD differs from crds/")
    expect(all(metadata["labels"][k] == v for k, v in file["metadata"]["labels"].items()), "crds/ labels lost")
    crd = one(render({"crds": {"install": True, "keep": False}}), "CustomResourceDefinition")
    expect("annotations" not in crd["metadata"], f"annotations without keep: {crd['metadata']}")


# Kustomize (kubectl kustomize: the kustomize built into the machine's kubectl) ----------------------

def kustomize(directory):
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
    expect(result.returncode == 0, f"kubectl kustomize {directory}: {result.stderr.strip()}")
    return documents(result.stdout)


def identities(objects):
    return sorted((o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objects)


def docs_block(page, start):
    """The fenced block of docs/PAGE whose first line starts with START, so the docs' example is what is tested."""
    text = (ROOT / "docs" / page).read_text()
    match = re.search(r"```[a-z]*\n(" + re.escape(start) + r"[^\n]*\n.*?)```", text, flags=re.S)
    expect(match, f"docs/{page} has no block starting {start!r}")
    return match.group(1)


def kustomizations_build():
    """`kubectl apply -k deploy/` and `-k deploy/examples/` (and Flux, which runs kustomize) see exactly the
    manifests beside them; the examples' invalid one is left out."""
    deploy = ROOT / "deploy"
    expect(identities(kustomize(deploy)) == identities(documents((deploy / "keyvault-operator.yaml").read_text())),
           "deploy/kustomization.yaml does not build deploy/keyvault-operator.yaml")
    examples = deploy / "examples"
    files = sorted(f for f in examples.glob("*.yaml") if f.name != "kustomization.yaml")
    listed = helm.values_from_yaml((examples / "kustomization.yaml").read_text())["resources"]
    expect(listed == [f.name for f in files], f"deploy/examples/kustomization.yaml lists {listed}, the folder holds {[f.name for f in files]}")
    built = kustomize(examples)
    expect(identities(built) == identities([o for f in files for o in documents(f.read_text())]), f"built {identities(built)}")
    expect(not [o for o in built if o["metadata"]["name"] == "user-789-fax"], "the invalid example is built")
    # The overlay docs/gitops.md shows: the vault URL replaced, nothing else.
    with tempfile.TemporaryDirectory() as scratch:
        overlay = Path(scratch) / "clusters" / "prod" / "keyvault-operator"
        overlay.mkdir(parents=True)
        text = docs_block("gitops.md", "# clusters/prod/keyvault-operator/kustomization.yaml")
        # The local deploy/ for the remote base (kustomize takes a directory by a relative path only).
        base = os.path.relpath(deploy, overlay)
        overlay.joinpath("kustomization.yaml").write_text(text.replace("https://github.com/OWNER/keyvault-operator//deploy?ref=v0.1.0", base))
        # Stands in for the sealed Secret the overlay names.
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "keyvault-operator", "namespace": "keyvault-system"},
                  "stringData": {"cache-encryption-key": "", "redis-password": ""}}
        overlay.joinpath("keyvault-operator.sealed.yaml").write_text(json.dumps(secret))
        objects = kustomize(overlay)
    env = env_of(operator_container(objects))
    expect(env["KEYVAULT_URL"] == "https://myvault.vault.azure.net", f"KEYVAULT_URL {env['KEYVAULT_URL']}")
    expect(identities(objects) == identities(kustomize(deploy) + [secret]), "the overlay changed the objects")


def docs_gitops_values_render_the_same_twice():
    """The values docs/gitops.md gives for Argo CD and Flux: accepted, no generated Secret, one render."""
    values = helm.values_from_yaml(docs_block("gitops.md", "# values-gitops.yaml"))
    expect(values.get("gitops") is True, f"values {values}")
    objects = render(values, bare=True)
    expect(not find(objects, "Secret"), "a generated Secret")
    expect(manifest_text(values) == manifest_text(values), "two renders differ")
    env = env_of(operator_container(objects))
    expect(env["REDIS_PASSWORD"] == {"secretKeyRef": {"name": "redis", "key": "redis-password"}}, f"REDIS_PASSWORD {env['REDIS_PASSWORD']}")


# docs/quickstart.md and the README's install line, followed as written ----------------------------

# What the quickstart's `export` lines would give its variables.
QUICKSTART_VARIABLES = {"REGISTRY": "kvoqs12345", "VAULT": "kvo-qs-12345", "CLIENT_ID": "11111111-2222-3333-4444-555555555555",
                        "TENANT_ID": "66666666-7777-8888-9999-000000000000", "SP_ID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}


def helm_install_commands(path):
    """Each `helm install` command of a Markdown file (continuation lines joined), variables filled in."""
    text = (ROOT / path).read_text().replace("\\\n", " ")
    commands = [line.strip() for line in text.splitlines() if line.strip().startswith("helm install ")]
    for name, value in QUICKSTART_VARIABLES.items():
        commands = [c.replace("$" + name, value) for c in commands]
    return commands


def install_values(command):
    """(release, namespace, values) of a `helm install` command, its --set read by Helm's own parser."""
    args = shlex.split(command)
    expect(args[:2] == ["helm", "install"] and args[3] == "helm/keyvault-operator", f"command {command}")
    namespace, values, index = None, {}, 4
    while index < len(args):
        if args[index] == "--set":
            values = merged(values, helm.parse_set_string(args[index + 1]))
        elif args[index] == "-n":
            namespace = args[index + 1]
        elif args[index] != "--create-namespace":
            raise AssertionError(f"an argument the check does not know: {args[index]}")
        index += 2 if args[index] in ("--set", "-n") else 1
    return args[2], namespace, values


def readme_install_line_is_the_quickstarts():
    readme = helm_install_commands("README.md")
    quickstart = helm_install_commands("docs/quickstart.md")
    expect(readme[0] == quickstart[0], f"README: {readme[0]}\nquickstart: {quickstart[0]}")
    release, namespace, values = install_values(quickstart[0])
    objects = render(values, namespace, bare=True, release=release)
    pod, container = operator_pod(objects)
    env = env_of(container)
    expect(container["image"] == "kvoqs12345.azurecr.io/keyvault-operator:0.1.0", f"image {container['image']}")
    expect(env["KEYVAULT_URL"] == "https://kvo-qs-12345.vault.azure.net" and env["REDIS_TLS"] == "true", f"env {sorted(env)}")
    expect(env["REDIS_PASSWORD"] == {"secretKeyRef": {"name": "redis", "key": "redis-password"}}, f"REDIS_PASSWORD {env['REDIS_PASSWORD']}")
    expect(env["REDIS_CA_FILE"] == mounted_file(pod, container, "redis-tls", "ca.crt"), "the quickstart's Redis CA")
    # The federated credential's subject names this ServiceAccount, the Lease named in Troubleshooting.
    quickstart_text = (ROOT / "docs" / "quickstart.md").read_text()
    expect(f"system:serviceaccount:{namespace}:{pod['serviceAccountName']}" in quickstart_text, f"ServiceAccount {pod['serviceAccountName']}")
    expect(f"get lease {release}" in quickstart_text and f"--leader-election-id={release}" in container["args"], "Lease name")
    sa = one(objects, "ServiceAccount")
    expect(sa["metadata"]["annotations"]["azure.workload.identity/client-id"] == QUICKSTART_VARIABLES["CLIENT_ID"], f"ServiceAccount {sa['metadata']}")
    # The kind variant: a client secret instead of workload identity.
    release, namespace, values = install_values(quickstart[1])
    env = env_of(operator_container(render(values, namespace, bare=True, release=release)))
    expect(env["AZURE_CLIENT_SECRET"] == {"secretKeyRef": {"name": "azure-sp", "key": "client-secret"}}, f"env {sorted(env)}")
    expect(len(quickstart) == 2, f"helm install commands in the quickstart: {len(quickstart)}")


# Server checks ------------------------------------------------------------------------------------

def server():
    """The test servers' environment, or Skip (a failure under CI)."""
    names = ["KVO_TEST_DIR", "KVO_TEST_KUBECONFIG", "KVO_TEST_KUBE_URL", "KVO_TEST_KUBE_TOKEN", "KVO_TEST_KUBE_CA", "KVO_TEST_KUBE_CHART_TOKEN",
             "KVO_TEST_BIN_DIR", "KVO_TEST_EMULATOR_URL", "KVO_TEST_EMULATOR_CA", "KVO_TEST_REDIS_HOST", "KVO_TEST_REDIS_PORT"]
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"no test servers under CI: {', '.join(missing)} unset")
        raise Skip(f"no test servers ({missing[0]} unset; run under scripts/test-env)")
    return os.environ


def api(method, path, token=None, body=None):
    """(status, JSON body) of one request to the test kube-apiserver."""
    env = server()
    request = urllib.request.Request(env["KVO_TEST_KUBE_URL"] + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {token or env['KVO_TEST_KUBE_TOKEN']}", "Content-Type": "application/json"})
    context = ssl.create_default_context(cafile=env["KVO_TEST_KUBE_CA"])
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def kubectl(*args, stdin=None):
    env = server()
    result = subprocess.run(["kubectl", "--kubeconfig", env["KVO_TEST_KUBECONFIG"], *args], input=stdin, capture_output=True, text=True, timeout=120)
    expect(result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def prepare_cluster(namespaces):
    """The CRD (for real, and served) and the namespaces the rendered objects go into."""
    kubectl("apply", "-f", str(ROOT / "crds" / CRD))
    kubectl("wait", "--for=condition=Established", "--timeout=30s", f"crd/{CRD.removesuffix('.yaml')}")
    for namespace in namespaces:
        if api("GET", f"/api/v1/namespaces/{namespace}")[0] == 404:
            kubectl("create", "namespace", namespace)


def as_stream(objects):
    return "\n".join(json.dumps(o) for o in objects)  # a JSON stream, which kubectl reads


def server_accepts_default_render():
    server()
    prepare_cluster(["keyvault-system"])
    for values in [{}, EMULATOR]:  # a vault.url, or the emulator
        objects = render(values, kube_version="v1.20.2")  # the server's version: PodDisruptionBudget policy/v1beta1
        out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(objects))
        expect(out.count("(server dry run)") == len(objects), f"dry run of {values}: {out}")


def server_accepts_namespaced_render():
    server()
    prepare_cluster([CHART_NS, *WATCHED])
    objects = render(merged(EMULATOR, {"watchNamespaces": WATCHED}), CHART_NS, kube_version="v1.20.2")
    out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(objects))
    expect(out.count("(server dry run)") == len(objects), f"dry run: {out}")


def server_keeps_the_emulator_secrets_on_upgrade():
    """`lookup` against the real API server: an upgrade keeps the emulator's TLS material and client
    secret, and adds a client secret to the Secret of a release from before it had one."""
    env = server()
    prepare_cluster([CHART_NS])
    name = f"{RELEASE}-keyvault"
    first = one(render(EMULATOR, CHART_NS), "Secret", name)
    older = {**first, "data": {k: v for k, v in first["data"].items() if k != "client-secret"}}
    kubectl("apply", "-f", "-", stdin=as_stream([older]))
    try:
        with helm.Config(kubeconfig_path=env["KVO_TEST_KUBECONFIG"]) as config, helm.Chart.load(CHART_DIR) as chart:
            def upgrade():
                manifests = config.render(chart, EMULATOR, name=RELEASE, namespace=CHART_NS, is_upgrade=True)
                objects = [o for path, text in manifests.items() if path.endswith(".yaml") for o in documents(text)]
                return one(objects, "Secret", name)["data"]
            data = upgrade()
            expect({k: data[k] for k in older["data"]} == older["data"], "the TLS material changed on upgrade")
            expect(data.get("client-secret") and data["client-secret"] != first["data"]["client-secret"], "no client secret added")
            kubectl("apply", "-f", "-", stdin=as_stream([{**first, "data": data}]))
            expect(upgrade() == data, "the client secret or the TLS material changed on a second upgrade")
    finally:
        kubectl("-n", CHART_NS, "delete", "secret", name, "--ignore-not-found")


def server_accepts_network_policies():
    """Every NetworkPolicy the chart can render, on the real v1.20 API server; and the caveat the docs
    state: v1.20 does not label Namespaces with their name (1.21 does)."""
    server()
    prepare_cluster(["keyvault-system"])
    peer = {"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: "iot"}}, "podSelector": {"matchLabels": {"app": "iot-api"}}}
    values = merged(EMULATOR, {"networkPolicy": {
        "metrics": {"namespaces": ["monitoring"], "from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]},
        "health": {"from": [{"podSelector": {"matchExpressions": [{"key": "role", "operator": "Exists"}]}}]},
        "keyvault": {"from": [peer]},
        "redis": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}, "from": [peer]}}})
    policies = find(render(values, kube_version="v1.20.2"), "NetworkPolicy")
    expect(len(policies) == 3, f"policies {[p['metadata']['name'] for p in policies]}")
    policies.append(one(render(kube_version="v1.20.2"), "NetworkPolicy", RELEASE))  # the default, without rules
    for policy in policies:
        out = kubectl("apply", "--dry-run=server", "-o", "json", "-f", "-", stdin=as_stream([policy]))
        stored = json.loads(out)["spec"]
        expect(stored.get("ingress", []) == policy["spec"]["ingress"] and stored["policyTypes"] == ["Ingress"]
               and stored["podSelector"] == policy["spec"]["podSelector"], f"server kept {stored}")
    labels = api("GET", "/api/v1/namespaces/default")[1]["metadata"].get("labels", {})
    expect(NAMESPACE_LABEL not in labels, f"v1.20 labelled a Namespace with its name ({labels}): update the 1.20 caveat in the docs")


def server_accepts_every_new_value():
    """The renders of the new values on the real v1.20 API server: overrides, gitops, the templated CRD,
    pod settings, extra flags."""
    server()
    prepare_cluster(["keyvault-system"])
    values = merged(GITOPS_SECRETS, {
        "gitops": True, "fullnameOverride": "platform-kvo", "global": {"environment": "prod"}, "crds": {"install": True},
        "shards": ["shard1", "shard2"],
        "vaultRateLimit": 200, "extraArgs": ["--context=admin"], "extraEnv": [{"name": "TZ", "value": "UTC"}], "podAnnotations": {"team": "platform"},
        "priorityClassName": "system-cluster-critical",
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}]})
    for extra in [{}, merged(EMULATOR, {"keyvault": {"tls": {"existingSecret": "emulator-tls"}}})]:
        objects = render(merged(values, extra), kube_version="v1.20.2")
        out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(objects))
        expect(out.count("(server dry run)") == len(objects), f"dry run of {extra}: {out}")
    objects = render(EMULATOR, kube_version="v1.20.2")  # the checksum annotations
    out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(objects))
    expect(out.count("(server dry run)") == len(objects), f"dry run with checksums: {out}")


def server_checksums_follow_the_secrets_on_upgrade():
    """With `lookup` (helm upgrade): the checksums stay while the chart's Secrets stay, and change with them."""
    env = server()
    prepare_cluster([CHART_NS])
    first = render(EMULATOR, CHART_NS)
    secrets = [one(first, "Secret", RELEASE), one(first, "Secret", f"{RELEASE}-keyvault")]
    kubectl("apply", "-f", "-", stdin=as_stream(secrets))
    try:
        with helm.Config(kubeconfig_path=env["KVO_TEST_KUBECONFIG"]) as config, helm.Chart.load(CHART_DIR) as chart:
            def annotations():
                manifests = config.render(chart, EMULATOR, name=RELEASE, namespace=CHART_NS, is_upgrade=True)
                objects = [o for path, text in manifests.items() if path.endswith(".yaml") for o in documents(text)]
                return {name: one(objects, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]
                        for name in [RELEASE, f"{RELEASE}-keyvault"]}
            before = annotations()
            expect(annotations() == before, "checksums changed while the Secrets did not")
            expect(before[RELEASE]["checksum/keyvault-secret"] == before[f"{RELEASE}-keyvault"]["checksum/keyvault-secret"],
                   f"two checksums of one Secret: {before}")
            kubectl("-n", CHART_NS, "patch", "secret", RELEASE, "--type=merge", "-p",
                    json.dumps({"data": {"redis-password": base64.b64encode(b"rotated-" + uuid.uuid4().hex.encode()).decode()}}))
            after = annotations()
            expect(after[RELEASE]["checksum/secret"] != before[RELEASE]["checksum/secret"], "the operator's pods would not roll")
            expect(after[f"{RELEASE}-keyvault"] == before[f"{RELEASE}-keyvault"], "the emulator rolls for the operator's Secret")
            kubectl("-n", CHART_NS, "patch", "secret", f"{RELEASE}-keyvault", "--type=merge", "-p",
                    json.dumps({"data": {"client-secret": base64.b64encode(uuid.uuid4().hex.encode()).decode()}}))
            rolled = annotations()
            expect(all(rolled[n]["checksum/keyvault-secret"] != after[n]["checksum/keyvault-secret"] for n in rolled),
                   "a new emulator client secret would not roll both")
    finally:
        kubectl("-n", CHART_NS, "delete", "secret", RELEASE, f"{RELEASE}-keyvault", "--ignore-not-found")


def install_options(config, chart, release, values, namespace, skip_crds=False):
    """helm install, with --skip-crds (which Config.install does not take: the native call does)."""
    from helm_python.config import _opts
    payload = _native.call_string("helm_install", config._raw(), _native.HANDLE(0), chart._raw(), None, release, json.dumps(values),
                                  _opts(namespace=namespace, skip_crds=skip_crds or None))
    return json.loads(payload)


def helm_upgrade_brings_the_crd():
    """crds.install for real, with Helm against the v1.20 API server: a release of an older chart, whose
    crds/ lacked a type, adopts the CRD (docs/configuration.md) and `helm upgrade` brings the type; a new
    release installs with --skip-crds; `helm uninstall` keeps the CRD."""
    env = server()
    prepare_cluster([CHART_NS])
    crd_name = CRD.removesuffix(".yaml")
    release, values = "kvo-crds", with_vault({"replicaCount": 1, **GITOPS_SECRETS})
    def crd():
        return json.loads(kubectl("get", "crd", crd_name, "-o", "json"))
    def types():
        return crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["type"]["enum"]
    def exists():
        return api("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd_name}")[0] == 200
    scratch = Path(tempfile.mkdtemp(prefix="helm-older-chart-"))
    try:
        older = scratch / "keyvault-operator"
        shutil.copytree(CHART_DIR, older)
        text = (older / "crds" / CRD).read_text()
        expect(", mqtt_broker, smartthings]" in text, "the type enum moved: update this check")
        (older / "crds" / CRD).write_text(text.replace(", mqtt_broker, smartthings]", ", mqtt_broker]"))
        left = api("GET", "/apis/integrations.keyvault.dev/v1alpha1/userintegrations")[1].get("items", [])
        expect(not left, f"UserIntegrations left by an earlier check would hold the CRD's deletion: {[i['metadata']['name'] for i in left]}")
        kubectl("delete", "crd", crd_name)
        with helm.Config(kubeconfig_path=env["KVO_TEST_KUBECONFIG"], namespace=CHART_NS) as config, \
                helm.Chart.load(older) as old_chart, helm.Chart.load(CHART_DIR) as chart:
            config.install(old_chart, release, values, namespace=CHART_NS)  # crds/ creates the CRD
            expect("smartthings" not in types(), f"the older chart's CRD: {types()}")
            config.upgrade(chart, release, values, namespace=CHART_NS)
            expect("smartthings" not in types(), "helm upgrade changed crds/ (it never does)")
            try:
                config.upgrade(chart, release, merged(values, {"crds": {"install": True}}), namespace=CHART_NS)
                raise AssertionError("Helm took over a CRD it did not install")
            except helm.HelmReleaseError as error:
                expect("invalid ownership metadata" in str(error), f"upgrade: {error}")
            # The adoption docs/configuration.md gives.
            kubectl("label", "crd", crd_name, "app.kubernetes.io/managed-by=Helm")
            kubectl("annotate", "crd", crd_name, f"meta.helm.sh/release-name={release}", f"meta.helm.sh/release-namespace={CHART_NS}")
            config.upgrade(chart, release, merged(values, {"crds": {"install": True}}), namespace=CHART_NS)
            expect("smartthings" in types(), f"helm upgrade did not bring the current CRD: {types()}")
            expect(crd()["metadata"]["annotations"].get("helm.sh/resource-policy") == "keep", "no keep policy")
            config.uninstall(release)
            expect(exists(), "helm uninstall deleted the CRD")
            # A new release with crds.install: --skip-crds (crds/ would create it first, unowned).
            kubectl("delete", "crd", crd_name)
            install_options(config, chart, release, merged(values, {"crds": {"install": True}}), CHART_NS, skip_crds=True)
            expect(crd()["metadata"]["labels"].get("app.kubernetes.io/instance") == release, f"labels {crd()['metadata']['labels']}")
            config.uninstall(release)
            expect(exists(), "helm uninstall deleted the CRD")
    finally:
        with helm.Config(kubeconfig_path=env["KVO_TEST_KUBECONFIG"], namespace=CHART_NS) as config:
            config.uninstall(release, ignore_not_found=True)
        shutil.rmtree(scratch, ignore_errors=True)
        # The CRD as crds/ has it, without Helm's ownership, for the checks after this one.
        if exists():
            kubectl("label", "crd", crd_name, "app.kubernetes.io/managed-by-", "app.kubernetes.io/instance-", "app.kubernetes.io/version-", "helm.sh/chart-")
            kubectl("annotate", "crd", crd_name, "meta.helm.sh/release-name-", "meta.helm.sh/release-namespace-", "helm.sh/resource-policy-")
        prepare_cluster([])


def server_accepts_the_kustomizations():
    """`kubectl apply -k deploy/examples/` and what `-k deploy/` builds, dry run on the real v1.20 API
    server. deploy/ is rendered for 1.21+ (policy/v1 PodDisruptionBudget, which 1.20 lacks), so its
    PodDisruptionBudget goes to the rig as policy/v1beta1, the one difference."""
    server()
    prepare_cluster(["keyvault-system", "iot"])
    examples = ROOT / "deploy" / "examples"
    out = kubectl("apply", "--dry-run=server", "-k", str(examples))
    expect(out.count("(server dry run)") == len(kustomize(examples)), f"dry run of {examples}: {out}")
    objects = kustomize(ROOT / "deploy")
    for obj in objects:
        if obj["kind"] == "PodDisruptionBudget":
            expect(obj["apiVersion"] == "policy/v1", f"PodDisruptionBudget {obj['apiVersion']}")
            obj["apiVersion"] = "policy/v1beta1"
    out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(objects))
    expect(out.count("(server dry run)") == len(objects), f"dry run of deploy/: {out}")


def server_docs_argocd_cm_patch_installs_the_check():
    """The argocd-cm command of docs/gitops.md, run as written: the health check lands under its key,
    byte for byte, and the ConfigMap's other keys stay."""
    env = server()
    prepare_cluster(["argocd"])
    kubectl("-n", "argocd", "delete", "configmap", "argocd-cm", "--ignore-not-found")
    kubectl("-n", "argocd", "create", "configmap", "argocd-cm", "--from-literal=url=https://argocd.example.com")
    command = docs_block("gitops.md", "kubectl -n argocd patch configmap argocd-cm")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "KUBECONFIG": env["KVO_TEST_KUBECONFIG"]})
    expect(result.returncode == 0, f"the docs' command: {result.stderr.strip()}")
    data = json.loads(kubectl("-n", "argocd", "get", "configmap", "argocd-cm", "-o", "json"))["data"]
    key = "resource.customizations.health.integrations.keyvault.dev_UserIntegration"
    expect(data.get(key) == (ROOT / "deploy" / "argocd" / "health.lua").read_text() and data.get("url") == "https://argocd.example.com",
           f"argocd-cm keys {sorted(data)}")


def quickstart_block(start):
    return docs_block("quickstart.md", start)


def server_quickstart_runs_on_the_rig():
    """The quickstart where the rig stands in for the cluster: its openssl commands make a Redis
    certificate that the operator's TLS client accepts for redis.keyvault-system.svc (Redis run with the
    manifest's own flags, the operator with the chart's environment for the quickstart's install); its
    install renders and the server accepts it; its namespace and UserIntegration too."""
    env = server()
    step5 = quickstart_block("kubectl create namespace keyvault-system")
    (Path(env["KVO_TEST_DIR"]) / "scratch").mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="quickstart-", dir=Path(env["KVO_TEST_DIR"]) / "scratch"))
    openssl = "\n".join(line for line in step5.splitlines() if line.startswith(("openssl ", "printf ")))
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", openssl], cwd=scratch, capture_output=True, text=True, timeout=60)
    expect(result.returncode == 0, f"the quickstart's openssl commands: {result.stderr}")
    manifest = step5.split("<<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]
    redis = next(o for o in documents(manifest) if o["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0]
    password, port = uuid.uuid4().hex, free_port()
    files = {"/tls/tls.crt": scratch / "redis.crt", "/tls/tls.key": scratch / "redis.key", "/tls/ca.crt": scratch / "redis-ca.crt"}
    args = [str(files.get(a, a)) for a in redis["args"]]
    args = [password if a == "$(REDIS_PASSWORD)" else str(port) if a == "6379" else a for a in args]
    log = open(scratch / "redis.log", "w")
    process = subprocess.Popen([env.get("KVO_TEST_REDIS_SERVER", "redis-server"), "--bind", "127.0.0.1", *args], stdout=log, stderr=subprocess.STDOUT)
    try:
        release, namespace, values = install_values(helm_install_commands("docs/quickstart.md")[0])
        chart_env = env_of(operator_container(render(values, namespace, bare=True, release=release)))
        operator_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
                        "KEYVAULT_URL": env["KVO_TEST_EMULATOR_URL"], "KEYVAULT_CA_FILE": env["KVO_TEST_EMULATOR_CA"],
                        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(port), "REDIS_PASSWORD": password,
                        "REDIS_TLS": chart_env["REDIS_TLS"], "REDIS_CA_FILE": str(scratch / "redis-ca.crt"),
                        # The name the chart's redis.host gives; verified against the certificate.
                        "REDIS_TLS_SERVER_NAME": chart_env["REDIS_HOST"]}
        wait_for("the quickstart's Redis", lambda: "Ready to accept connections" in (scratch / "redis.log").read_text(), 15)
        status, out = operator_health(operator_env)
        expect(status == 0, f"health against the quickstart's Redis: {status} {out}")
        status, out = operator_health({**operator_env, "REDIS_TLS_SERVER_NAME": "redis.elsewhere.svc"})
        expect(status != 0, f"a certificate for another name was accepted: {out}")
        # Steps 6 to 8 on the API server: the namespace, the install (dry run), the UserIntegration.
        prepare_cluster([namespace, "iot"])
        kubectl("annotate", "--overwrite", "namespace", "iot", "integrations.keyvault.dev/allowed-users=user-123")
        objects = render(values, namespace, kube_version="v1.20.2", bare=True, release=release)
        out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(objects))
        expect(out.count("(server dry run)") == len(objects), f"dry run of the install: {out}")
        step8 = quickstart_block("kubectl apply -f - <<'EOF'\napiVersion: v1\nkind: Secret").split("<<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]
        resources = documents(step8)
        out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=as_stream(resources))
        expect(out.count("(server dry run)") == 2, f"dry run of step 8: {out}")
        secret = one(resources, "Secret")
        expect(secret["metadata"]["labels"] == {"integrations.keyvault.dev/allow-push": "true"}, f"Secret {secret['metadata']}")
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what} not within {seconds} s")


def emulator_credential_env(vault_url, ca_file, client_secret):
    """The environment the chart gives the operator for the in-cluster emulator, pointed at a local
    emulator: the chart's literal values, its URL (vault and authority alike) and CA, the secret."""
    server_env = server()
    container = operator_container(render(EMULATOR))
    chart_env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    chart_url = chart_env["KEYVAULT_URL"]
    expect(chart_env["AZURE_AUTHORITY_HOST"] == chart_url and chart_env["SSL_CERT_FILE"] == chart_env["KEYVAULT_CA_FILE"], f"env {chart_env}")
    env = {name: chart_env[name] for name in ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "KEYVAULT_TIMEOUT"]}
    env.update({"KEYVAULT_URL": vault_url, "AZURE_AUTHORITY_HOST": vault_url, "KEYVAULT_CA_FILE": ca_file, "SSL_CERT_FILE": ca_file,
                "AZURE_CLIENT_SECRET": client_secret, "REDIS_HOST": server_env["KVO_TEST_REDIS_HOST"], "REDIS_PORT": server_env["KVO_TEST_REDIS_PORT"],
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")})
    return env


def operator_health(env):
    """(exit status, output) of `keyvault-operator health` in exactly this environment."""
    binary = Path(server()["KVO_TEST_BIN_DIR"]) / "keyvault-operator"
    result = subprocess.run([str(binary), "health"], env=env, capture_output=True, text=True, timeout=120)
    return result.returncode, (result.stdout + result.stderr).strip()


def chart_emulator_credential_reaches_the_emulator():
    """The five variables the chart sets take the operator to the emulator's token endpoint (its
    client-credentials form) and no further: SSL_CERT_FILE is what makes the authority trusted."""
    env = server()
    good = emulator_credential_env(env["KVO_TEST_EMULATOR_URL"], env["KVO_TEST_EMULATOR_CA"], uuid.uuid4().hex)
    status, out = operator_health(good)
    expect(status == 0, f"health with the chart's emulator credential: {status} {out}")
    status, out = operator_health({**good, "SSL_CERT_FILE": env["KVO_TEST_WRONG_CA"]})
    expect(status != 0, f"health succeeded although SSL_CERT_FILE does not vouch for the authority: {out}")


def chart_emulator_refuses_a_wrong_client_secret():
    """This project's emulator run as the chart runs it (--client-secret-file, --tenant): the
    operator's client secret gets a token, another does not; /healthz answers without one."""
    env = server()
    emulator = Path(env["KVO_TEST_EMULATOR_BIN"])
    if "--client-secret-file" not in subprocess.run([str(emulator), "--help"], capture_output=True, text=True).stdout:
        message = f"{emulator} has no --client-secret-file yet (the chart runs the emulator with it)"
        if os.environ.get("CI") == "true":
            raise AssertionError(message)
        raise Skip(message)
    args = one(render(EMULATOR), "Deployment", f"{RELEASE}-keyvault")["spec"]["template"]["spec"]["containers"][0]["args"]
    flags = [a for a in args if a.startswith("--tenant=") or a.startswith("--client-secret-file=")]
    scratch = Path(tempfile.mkdtemp(prefix="helm-emulator-", dir=Path(env["KVO_TEST_DIR"]) / "scratch"))
    secret = "".join(uuid.uuid4().hex for _ in range(2))
    (scratch / "client-secret").write_text(secret + "\n")  # as a Secret volume may hold it: trimmed
    port = free_port()
    log = open(scratch / "emulator.log", "w")
    process = subprocess.Popen([str(emulator), "--host", "127.0.0.1", "--port", str(port), "--data", str(scratch / "data"),
                                *[f"--client-secret-file={scratch / 'client-secret'}" if f.startswith("--client-secret-file=") else f for f in flags]],
                               stdout=log, stderr=subprocess.STDOUT)
    url, ca = f"https://127.0.0.1:{port}", scratch / "data" / "tls" / "ca.pem"
    try:
        context = lambda: ssl.create_default_context(cafile=str(ca))  # noqa: E731 - the CA exists only once the emulator runs

        def status_of(path):
            try:
                with urllib.request.urlopen(url + path, context=context(), timeout=5) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code
            except (OSError, ssl.SSLError):
                return None
        expect(wait_for("the emulator's /healthz", lambda: status_of("/healthz") == 200, 30), "no /healthz")
        expect(status_of("/token") == 401, f"GET /token answered {status_of('/token')}")
        status, out = operator_health(emulator_credential_env(url, str(ca), secret))
        expect(status == 0, f"health with the right client secret: {status} {out}")
        status, out = operator_health(emulator_credential_env(url, str(ca), secret[:-1] + "x"))
        expect(status != 0, f"health succeeded with a wrong client secret: {out}")
    except AssertionError as error:
        raise AssertionError(f"{error} (emulator log: {scratch / 'emulator.log'})") from None
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def chart_rbac_runs_the_operator():
    """The chart's RBAC (a release of another name than the ServiceAccount the rig has a token for, so
    the Lease is not keyvault-operator) lets the operator run with the chart's flags, and no more."""
    env = server()
    prepare_cluster([CHART_NS, *WATCHED])
    objects = render({"watchNamespaces": WATCHED, "fullnameOverride": "kvo-chart-rbac", "serviceAccount": {"name": RELEASE}}, CHART_NS)
    chart_args = operator_container(objects, "kvo-chart-rbac")["args"]
    lease_name = next(a.split("=", 1)[1] for a in chart_args if a.startswith("--leader-election-id="))
    binary = Path(env["KVO_TEST_BIN_DIR"]) / "keyvault-operator"
    if "--leader-election-id" not in subprocess.run([str(binary), "run", "--help"], capture_output=True, text=True).stdout:
        message = f"{binary} has no --leader-election-id yet (the chart runs the operator with it)"
        if os.environ.get("CI") == "true":
            raise AssertionError(message)
        raise Skip(message)
    rbac = [o for o in objects if o["kind"] in ("ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")]
    kubectl("apply", "-f", "-", stdin=as_stream(rbac))
    token = env["KVO_TEST_KUBE_CHART_TOKEN"]
    (Path(env["KVO_TEST_DIR"]) / "scratch").mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="helm-chart-", dir=Path(env["KVO_TEST_DIR"]) / "scratch"))
    kubeconfig = scratch / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "sa",
        "clusters": [{"name": "test", "cluster": {"server": env["KVO_TEST_KUBE_URL"], "certificate-authority": env["KVO_TEST_KUBE_CA"]}}],
        "users": [{"name": "sa", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "test", "user": "sa"}}]}))
    port, identity = free_port(), f"kvo-chart-{uuid.uuid4().hex[:6]}"
    log = open(scratch / "operator.log", "w")
    operator = subprocess.Popen(
        [str(Path(env["KVO_TEST_BIN_DIR"]) / "keyvault-operator"), "run", "--kubeconfig", str(kubeconfig),
         *[f"--namespace={n}" for n in WATCHED], "--leader-elect", f"--leader-election-namespace={CHART_NS}",
         # The chart's tenancy flags, so its Namespace rule is exercised too, and its Lease name.
         *[a for a in chart_args if a.startswith(("--user-binding", "--leader-election-id=")) or a == "--require-secret-label"],
         f"--health-addr=127.0.0.1:{port}", f"--metrics-addr=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "POD_NAME": identity, "KEYVAULT_URL": env["KVO_TEST_EMULATOR_URL"], "KEYVAULT_CA_FILE": env["KVO_TEST_EMULATOR_CA"],
             "REDIS_HOST": env["KVO_TEST_REDIS_HOST"], "REDIS_PORT": env["KVO_TEST_REDIS_PORT"]})
    namespace, user = WATCHED[0], f"chart-{uuid.uuid4().hex[:8]}"
    kubectl("annotate", "--overwrite", "namespace", namespace, f"integrations.keyvault.dev/allowed-users={user}")
    path = f"/apis/integrations.keyvault.dev/v1alpha1/namespaces/{namespace}/userintegrations/{user}-weather"
    try:
        status, _ = api("POST", f"/api/v1/namespaces/{namespace}/secrets",
                        body={"apiVersion": "v1", "kind": "Secret", "metadata": {"name": user, "labels": {"integrations.keyvault.dev/allow-push": "true"}},
                              "stringData": {"apiKey": f"key-{uuid.uuid4().hex}"}})
        expect(status == 201, f"create Secret: {status}")
        status, _ = api("POST", path.rsplit("/", 1)[0], body={
            "apiVersion": "integrations.keyvault.dev/v1alpha1", "kind": "UserIntegration", "metadata": {"name": f"{user}-weather"},
            "spec": {"userId": user, "type": "weather", "secretRef": {"name": user, "key": "apiKey"}}})
        expect(status == 201, f"create UserIntegration: {status}")
        wait_for("state connected", lambda: api("GET", path)[1].get("status", {}).get("state") == "connected", 30)
        lease = api("GET", f"/apis/coordination.k8s.io/v1/namespaces/{CHART_NS}/leases/{lease_name}")[1]
        expect(lease_name == "kvo-chart-rbac" and lease.get("spec", {}).get("holderIdentity") == identity, f"Lease {lease_name} holder: {lease.get('spec')}")
        expect(api("GET", f"/api/v1/namespaces/{namespace}/secrets", token)[0] == 200, "the ServiceAccount cannot list watched Secrets")
        expect(api("GET", f"/api/v1/namespaces/{UNWATCHED}/secrets", token)[0] == 403, f"the ServiceAccount reads Secrets in {UNWATCHED}")
        # Deleted while the operator runs, so that its finalizer goes too.
        api("DELETE", path)
        wait_for("deletion", lambda: api("GET", path)[0] == 404, 30)
        forbidden = [line for line in (scratch / "operator.log").read_text().splitlines() if "forbidden" in line.lower()]
        expect(not forbidden, f"operator was refused: {forbidden[:3]}")
    except AssertionError as error:
        raise AssertionError(f"{error} (operator log: {scratch / 'operator.log'})") from None
    finally:
        operator.send_signal(signal.SIGTERM)
        try:
            operator.wait(timeout=15)
        except subprocess.TimeoutExpired:
            operator.kill()
            operator.wait()
        log.close()


def main():
    for test in [chart_crd_is_the_repository_crd, chart_lints_strictly, default_render_has_every_part,
                 operator_deployment_is_configured, rbac_is_least_privilege, namespaced_mode_uses_roles, tenancy_is_on_by_default,
                 notes_say_secrets_are_read_cluster_wide,
                 default_render_needs_a_vault_url, vault_url_template_backstop, existing_secrets_are_not_generated,
                 no_image_is_latest_by_default, notes_warn_of_the_emulator, emulator_requires_its_client_secret,
                 operator_authenticates_to_the_emulator, network_policies_admit_only_who_is_named,
                 notes_warn_when_the_policy_blocks_the_service_monitor, redis_tls_is_off_by_default,
                 redis_tls_trusts_the_ca_secret, redis_mutual_tls_mounts_the_client_certificate,
                 redis_tls_server_name_and_skip_verify, managed_identity_through_imds, redis_cluster_seed, expiry_warning_reaches_the_operator, cache_key_rotation_takes_previous_keys, redis_url_from_existing_secret, service_monitor_on,
                 day2_is_off_by_default, prometheus_rule_has_the_runbook_alerts, grafana_dashboard_uses_exported_metrics,
                 day2_lints_strictly,
                 emulator_is_wired_as_its_image_expects, schema_rejects_bad_values, deploy_matches_a_fresh_render,
                 lints_strictly_with_every_new_value, names_follow_the_overrides, lease_name_derives_from_the_release,
                 chart_works_as_a_subchart, gitops_refuses_to_generate_secrets, checksums_roll_the_pods_with_the_chart_secrets,
                 pod_settings_and_extra_args, shards_run_one_deployment_each, crds_install_renders_the_repository_crd, kustomizations_build,
                 docs_gitops_values_render_the_same_twice, readme_install_line_is_the_quickstarts,
                 server_accepts_default_render, server_accepts_namespaced_render, server_keeps_the_emulator_secrets_on_upgrade,
                 server_accepts_network_policies, server_accepts_every_new_value, server_accepts_the_dashboard, server_checksums_follow_the_secrets_on_upgrade,
                 helm_upgrade_brings_the_crd, server_accepts_the_kustomizations, server_docs_argocd_cm_patch_installs_the_check,
                 server_quickstart_runs_on_the_rig,
                 chart_emulator_credential_reaches_the_emulator,
                 chart_emulator_refuses_a_wrong_client_secret, chart_rbac_runs_the_operator]:
        check(test)
    print(f"helm-chart: {results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
