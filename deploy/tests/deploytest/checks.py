"""Assertions on rendered manifests. Each returns a list of problems (empty: fine), so the
tests can show that a deliberately broken chart makes it fail."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]

from deploytest.charts import KUBE_VERSION, Manifest

CREDENTIAL_URL = re.compile(r"://[^/@\s]*:[^/@\s]*@")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|DATABASE_URL|REDIS_URL")
# The one writable path in the containers (an emptyDir), not a path on this machine.
TMP = "/tmp"  # noqa: S108
# Addresses inside the cluster and the VPC (pods, Services, nodes, datastores) and the
# instance metadata service: an egress rule towards "the internet" must leave all of them out.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(cidr)
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
)
HTTPS = 443
# A Cognito user pool's issuer; the region appears twice (host and user pool id).
COGNITO_ISSUER = re.compile(
    r"^https://cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P=region)_[A-Za-z0-9]+$"
)


def describe(manifest: Manifest) -> str:
    return f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"


def of_kind(manifests: Iterable[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m.get("kind") == kind]


def one(manifests: Iterable[Manifest], kind: str) -> Manifest:
    found = of_kind(manifests, kind)
    if len(found) != 1:
        raise AssertionError(f"expected one {kind}, found {len(found)}")
    return found[0]


def kubernetes_schema_problems(manifests: Iterable[Manifest]) -> list[str]:
    """Strict validation against the Kubernetes OpenAPI schemas of ``KUBE_VERSION``."""
    problems = []
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{describe(manifest)}: {exc.message} at {list(exc.path)}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{describe(manifest)}: no schema for this kind in {KUBE_VERSION}")
    return problems


def pod_specs(manifests: Iterable[Manifest]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for manifest in manifests:
        if manifest.get("kind") in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            yield describe(manifest), manifest["spec"]["template"]["spec"]


def security_context_problems(manifests: Iterable[Manifest]) -> list[str]:
    """Every pod and container runs hardened: non-root, read-only root, no privilege, no
    capabilities, RuntimeDefault seccomp, no service account token; /tmp is an emptyDir."""
    problems = []
    for where, spec in pod_specs(manifests):
        pod = spec.get("securityContext") or {}
        if pod.get("runAsNonRoot") is not True:
            problems.append(f"{where}: pod securityContext.runAsNonRoot is not true")
        if (pod.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: pod seccompProfile is not RuntimeDefault")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: automountServiceAccountToken is not false")
        tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
        containers = [*spec.get("initContainers", []), *spec.get("containers", [])]
        if not containers:
            problems.append(f"{where}: no containers")
        for container in containers:
            name = f"{where} container {container.get('name')}"
            context = container.get("securityContext") or {}
            expected = {
                "runAsNonRoot": True,
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "privileged": False,
            }
            for key, value in expected.items():
                if context.get(key) is not value:
                    problems.append(f"{name}: securityContext.{key} is not {value}")
            if (context.get("runAsUser") or 0) < 1:
                problems.append(f"{name}: securityContext.runAsUser is root or unset")
            if (context.get("capabilities") or {}).get("drop") != ["ALL"]:
                problems.append(f"{name}: capabilities.drop is not [ALL]")
            if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
                problems.append(f"{name}: seccompProfile is not RuntimeDefault")
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            if mounts.get(TMP) not in tmp_volumes:
                problems.append(f"{name}: /tmp is not an emptyDir (the root is read-only)")
            resources = container.get("resources") or {}
            if not resources.get("requests") or not resources.get("limits"):
                problems.append(f"{name}: resources.requests/limits missing")
    return problems


def probe_problems(
    manifests: Iterable[Manifest], port: int, readiness: str = "/health"
) -> list[str]:
    """Probes hit the chassis endpoints on the port the service listens on: liveness and
    startup /ping, readiness ``readiness`` (/ping for the web front end, whose /health fails
    with the API layer)."""
    container = main_container(manifests)
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    problems = []
    if ports.get("http") != port:
        problems.append(f"containerPort http is {ports.get('http')}, the service listens on {port}")
    expected = {"livenessProbe": "/ping", "readinessProbe": readiness, "startupProbe": "/ping"}
    for probe, path in expected.items():
        get = (container.get(probe) or {}).get("httpGet") or {}
        if get.get("path") != path:
            problems.append(f"{probe} path is {get.get('path')!r}, expected {path!r}")
        target = get.get("port")
        if ports.get(target, target) != port:
            problems.append(f"{probe} port {target!r} is not the service port {port}")
    configmap = one(manifests, "ConfigMap")
    if configmap.get("data", {}).get("PORT") != str(port):
        problems.append(f"ConfigMap PORT is {configmap.get('data', {}).get('PORT')!r}")
    return problems


def secret_leak_problems(manifests: Iterable[Manifest]) -> list[str]:
    """No Secret objects rendered; no credential in a ConfigMap or a plain env value; every
    credential variable comes from a secretKeyRef."""
    problems = [
        f"{describe(m)}: charts must not render Secrets" for m in of_kind(manifests, "Secret")
    ]
    secret_vars: set[str] = set()
    for where, spec in pod_specs(manifests):
        for container in spec.get("containers", []):
            for env in container.get("env", []):
                if "valueFrom" in env and "secretKeyRef" in env["valueFrom"]:
                    secret_vars.add(env["name"])
                elif SECRET_NAME.search(env["name"]) or CREDENTIAL_URL.search(
                    str(env.get("value", ""))
                ):
                    problems.append(f"{where}: {env['name']} carries a credential in plain text")
    for configmap in of_kind(manifests, "ConfigMap"):
        for key, value in (configmap.get("data") or {}).items():
            if key in secret_vars or SECRET_NAME.search(key):
                problems.append(f"{describe(configmap)}: {key} belongs in the Secret")
            if CREDENTIAL_URL.search(str(value)):
                problems.append(f"{describe(configmap)}: {key} holds a URL with a credential")
    return problems


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    match = selector.get("matchLabels") or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def pod_labels(manifests: Iterable[Manifest]) -> dict[str, str]:
    labels: dict[str, str] = one(manifests, "Deployment")["spec"]["template"]["metadata"]["labels"]
    return labels


def main_container(manifests: Iterable[Manifest]) -> dict[str, Any]:
    """The (first) container of the chart's Deployment: the service itself."""
    container: dict[str, Any] = one(manifests, "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def own_policy(manifests: list[Manifest], pods: str) -> tuple[Mapping[str, Any], list[str]]:
    """The chart's NetworkPolicy and what is wrong with its frame: it must select the chart's
    pods (``pods`` names them) and govern both directions, so that what its rules do not allow
    is denied."""
    spec: Mapping[str, Any] = one(manifests, "NetworkPolicy")["spec"]
    problems = []
    if not selects(spec["podSelector"], pod_labels(manifests)):
        problems.append(f"the policy does not select {pods}")
    if sorted(spec.get("policyTypes", [])) != ["Egress", "Ingress"]:
        problems.append("policyTypes must be Ingress and Egress (deny everything else)")
    return spec, problems


def client_policy_problems(
    service: list[Manifest], api: list[Manifest], datastore_port: int
) -> list[str]:
    """flights/reservations: ingress only from the API pods (same namespace) and the metrics
    scraper (its own namespace), to the http port; egress only DNS and the datastore port."""
    spec, problems = own_policy(service, "the service's pods")
    api_labels = pod_labels(api)
    rules = spec.get("ingress", [])
    peers = [peer for rule in rules for peer in rule.get("from", [])]
    if not any(
        "namespaceSelector" not in p and selects(p.get("podSelector", {}), api_labels)
        for p in peers
    ):
        problems.append("no ingress peer selects the API layer's pods")
    for peer in peers:
        same_namespace = "namespaceSelector" not in peer and "ipBlock" not in peer
        if same_namespace and not selects(peer.get("podSelector", {}), api_labels):
            problems.append(f"ingress peer {peer} admits pods other than the API layer's")
        if "ipBlock" in peer:
            problems.append(f"ingress peer {peer} admits an address range")
        if "namespaceSelector" in peer and not peer.get("podSelector"):
            problems.append(f"ingress peer {peer} admits a whole namespace")
    if any(not rule.get("from") for rule in rules):
        problems.append("an ingress rule without `from` admits everyone")
    for rule in rules:
        if [p.get("port") for p in rule.get("ports", [])] != ["http"]:
            problems.append("ingress must be limited to the http port")
    problems += egress_problems(spec, {datastore_port})
    return problems


def egress_problems(
    spec: Mapping[str, Any], allowed_ports: set[int], public_https: bool = False
) -> list[str]:
    """Egress only to DNS in kube-system and to ``allowed_ports``; with ``public_https`` also
    HTTPS to public addresses (never into the cluster or the VPC)."""
    problems = []
    for rule in spec.get("egress", []):
        ports = {p.get("port") for p in rule.get("ports", [])}
        if not rule.get("to") or not ports:
            problems.append(f"egress rule {rule} is unrestricted")
        elif public_https and ports == {HTTPS}:
            problems += public_only_problems(rule)
        elif ports == {53}:
            peer = rule["to"][0]
            if peer.get("namespaceSelector", {}).get("matchLabels", {}) != {
                "kubernetes.io/metadata.name": "kube-system"
            }:
                problems.append("DNS egress must go to kube-system only")
        elif not ports <= allowed_ports:
            problems.append(f"egress to ports {sorted(ports)}; allowed {sorted(allowed_ports)}")
    return problems


def public_only_problems(rule: Mapping[str, Any]) -> list[str]:
    """An egress rule towards public addresses: TCP only, ipBlocks only, and each ipBlock
    excepts every private range it covers."""
    problems = []
    if any(p.get("protocol", "TCP") != "TCP" for p in rule.get("ports", [])):
        problems.append(f"egress rule {rule} to public addresses is not TCP only")
    for peer in rule.get("to", []):
        block = peer.get("ipBlock")
        if block is None or set(peer) != {"ipBlock"}:
            problems.append(f"HTTPS egress peer {peer} is not an address range")
            continue
        # IPv4 only: the values schema admits no other ipBlock.
        cidr = ipaddress.IPv4Network(block["cidr"])
        excepted = [ipaddress.IPv4Network(e) for e in block.get("except", [])]
        for private in PRIVATE_RANGES:
            if not private.overlaps(cidr):
                continue
            if not any(private.subnet_of(e) for e in excepted):
                problems.append(f"HTTPS egress to {cidr} reaches the private range {private}")
    return problems


def in_namespace(peer: Mapping[str, Any]) -> bool:
    """A peer that names pods of the policy's own namespace (no namespace, no address range)."""
    return "namespaceSelector" not in peer and "ipBlock" not in peer


def edge_ingress_problems(
    spec: Mapping[str, Any], clients: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """Ingress of a service behind the ingress controller: only from Traefik's namespace, the
    metrics scraper's, and the server pods of ``clients`` (name -> their pod labels) in this
    namespace, each selected by its name (a selector without one would admit other services)."""
    problems = []
    for rule in spec.get("ingress", []):
        if not rule.get("from"):
            problems.append("an ingress rule without `from` admits everyone")
        if [p.get("port") for p in rule.get("ports", [])] != ["http"]:
            problems.append("ingress must be limited to the http port")
        for peer in rule.get("from", []):
            namespace = peer.get("namespaceSelector", {}).get("matchLabels", {})
            if namespace.get("kubernetes.io/metadata.name") in ("traefik", "monitoring"):
                if not peer.get("podSelector"):
                    problems.append(f"ingress peer {peer} admits a whole namespace")
                continue
            match = peer.get("podSelector", {}).get("matchLabels", {})
            if in_namespace(peer) and any(
                selects(peer.get("podSelector", {}), labels)
                and match.get("app.kubernetes.io/name") == labels.get("app.kubernetes.io/name")
                for labels in clients.values()
            ):
                continue
            problems.append(
                f"ingress peer {peer} is neither Traefik nor the scraper"
                + (f" nor {', '.join(sorted(clients))}" if clients else "")
            )
    for name, labels in clients.items():
        if not any(
            in_namespace(peer) and selects(peer.get("podSelector", {}), labels)
            for rule in spec.get("ingress", [])
            for peer in rule.get("from", [])
        ):
            problems.append(f"no ingress peer admits the {name} pods")
    return problems


def api_policy_problems(
    api: list[Manifest],
    upstreams: Mapping[str, list[Manifest]],
    clients: Mapping[str, list[Manifest]] | None = None,
) -> list[str]:
    """api: ingress only from Traefik's namespace, the metrics scraper and the server pods of
    ``clients`` (the web front end); egress only to DNS, the upstream pods on their container
    ports, and HTTPS to public addresses (the token issuer's JWKS)."""
    spec, problems = own_policy(api, "the API pods")
    problems += edge_ingress_problems(
        spec, {name: pod_labels(m) for name, m in (clients or {}).items()}
    )
    for name, manifests in upstreams.items():
        labels, port = pod_labels(manifests), container_port(manifests)
        reaches = [
            rule
            for rule in spec.get("egress", [])
            if any(selects(p.get("podSelector", {}), labels) for p in rule.get("to", []))
        ]
        if not any(port in {p.get("port") for p in r.get("ports", [])} for r in reaches):
            problems.append(f"no egress rule lets the API pods reach {name} on port {port}")
    ports = {container_port(m) for m in upstreams.values()}
    problems += egress_problems(spec, ports, public_https=True)
    return problems


def envfrom_config(manifests: list[Manifest], who: str) -> tuple[dict[str, str], list[str]]:
    """The data of the chart's ConfigMap, and a problem if the ``who`` container does not read
    it (envFrom)."""
    configmap = one(manifests, "ConfigMap")
    envfrom = main_container(manifests).get("envFrom", [])
    sources = [s.get("configMapRef", {}).get("name") for s in envfrom]
    problems = []
    if configmap["metadata"]["name"] not in sources:
        problems.append(f"the {who} container does not read the ConfigMap (envFrom)")
    return configmap.get("data") or {}, problems


def cognito_issuer_problems(setting: str, issuer: str, region: str) -> list[str]:
    """``setting`` (its value ``issuer``) names a Cognito user pool's issuer in ``region``."""
    match = COGNITO_ISSUER.match(issuer)
    if not match:
        return [f"{setting} {issuer!r} is not a Cognito user pool's issuer"]
    if match["region"] != region:
        return [f"{setting} is in {match['region']}, the environment in {region}"]
    return []


def auth_config_problems(manifests: list[Manifest], region: str, jwks_path: str) -> list[str]:
    """api: the ConfigMap its pods read (envFrom) names a Cognito issuer in ``region``, an
    audience, the client_id audience claim (Cognito access tokens carry no aud) and the
    issuer's own JWKS (``<issuer><jwks_path>``), not a key file."""
    data, problems = envfrom_config(manifests, "API")
    issuer = data.get("AUTH_ISSUER", "")
    problems += cognito_issuer_problems("AUTH_ISSUER", issuer, region)
    if not data.get("AUTH_AUDIENCE", "").strip():
        problems.append("AUTH_AUDIENCE is not set")
    claim, jwks = data.get("AUTH_AUDIENCE_CLAIM"), data.get("AUTH_JWKS_URL")
    if claim != "client_id":
        problems.append(f"AUTH_AUDIENCE_CLAIM is {claim!r}, not client_id")
    if jwks != issuer + jwks_path:
        problems.append(f"AUTH_JWKS_URL is {jwks!r}, not {issuer + jwks_path!r}")
    if "AUTH_PUBLIC_KEY_FILE" in data:
        problems.append("AUTH_PUBLIC_KEY_FILE is set, but the chart mounts no key file")
    return problems


def hook_problems(manifests: Iterable[Manifest]) -> list[str]:
    """flights: `migrate` runs as a pre-install/pre-upgrade hook Job with the DB credential."""
    jobs = of_kind(manifests, "Job")
    if len(jobs) != 1:
        return [f"expected one migration Job, found {len(jobs)}"]
    job = jobs[0]
    annotations = job["metadata"].get("annotations", {})
    problems = []
    hooks = set(annotations.get("helm.sh/hook", "").split(","))
    if hooks != {"pre-install", "pre-upgrade"}:
        problems.append(f"helm.sh/hook is {annotations.get('helm.sh/hook')!r}")
    if "before-hook-creation" not in annotations.get("helm.sh/hook-delete-policy", ""):
        problems.append("hook-delete-policy must include before-hook-creation")
    container = job["spec"]["template"]["spec"]["containers"][0]
    if container.get("args") != ["migrate"]:
        problems.append(f"the Job runs {container.get('args')}, not ['migrate']")
    env = {e["name"]: e for e in container.get("env", [])}
    if "secretKeyRef" not in env.get("FLIGHTS_DATABASE_URL", {}).get("valueFrom", {}):
        problems.append("the Job does not get FLIGHTS_DATABASE_URL from the Secret")
    if job["spec"]["template"]["spec"].get("restartPolicy") != "Never":
        problems.append("the Job's restartPolicy must be Never")
    return problems


def container_port(manifests: list[Manifest]) -> int:
    port: int = main_container(manifests)["ports"][0]["containerPort"]
    return port


def web_policy_problems(web: list[Manifest], api: list[Manifest]) -> list[str]:
    """web: ingress only from Traefik's namespace and the metrics scraper; egress only to DNS,
    the API layer's server pods on their port (selected by name: no other pods), and HTTPS to
    public addresses (the sign-in service: discovery document and token endpoint)."""
    spec, problems = own_policy(web, "the web pods")
    problems += edge_ingress_problems(spec, {})
    api_labels, api_port = pod_labels(api), container_port(api)
    reaches_api = False
    for rule in spec.get("egress", []):
        ports = {p.get("port") for p in rule.get("ports", [])}
        if ports & {53, HTTPS} or not rule.get("to"):
            continue  # DNS, public HTTPS and unrestricted rules: egress_problems below
        for peer in rule["to"]:
            match = peer.get("podSelector", {}).get("matchLabels", {})
            if not in_namespace(peer) or match.get("app.kubernetes.io/name") != "api":
                problems.append(f"egress peer {peer} is not the API layer's pods")
            elif not selects(peer["podSelector"], api_labels):
                problems.append(f"egress peer {peer} does not select the rendered API pods")
            elif ports == {api_port}:
                reaches_api = True
    if not reaches_api:
        problems.append(f"no egress rule lets the web pods reach the API layer on {api_port}")
    problems += egress_problems(spec, {api_port}, public_https=True)
    return problems


def _ports_admit(rule: Mapping[str, Any], port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("port") in (port, "http") for p in ports)


def _rules_admit(
    rules: Iterable[Mapping[str, Any]], peers: str, labels: Mapping[str, str], port: int
) -> bool:
    """Whether one of a policy's ``rules`` (egress rules and their ``to`` peers, or ingress rules
    and their ``from`` peers) lets pods with ``labels`` of the policy's namespace through on
    ``port``: a rule without peers lets everyone through."""
    return any(
        _ports_admit(rule, port)
        and (
            not rule.get(peers)
            or any(
                in_namespace(p) and selects(p.get("podSelector", {}), labels) for p in rule[peers]
            )
        )
        for rule in rules
    )


def connections(services: Mapping[str, list[Manifest]]) -> set[tuple[str, str]]:
    """(client, server) pairs among ``services`` whose NetworkPolicies together let the
    client's pods open connections to the server's pods on its port: the client's egress and the
    server's ingress both name the other's pods (or nobody in particular). Pods are matched by
    the labels the charts render; address ranges only go to public addresses on 443 or to the
    datastores' ports (egress_problems), which no service listens on."""
    found = set()
    for client, client_manifests in services.items():
        client_spec = one(client_manifests, "NetworkPolicy")["spec"]
        client_labels = pod_labels(client_manifests)
        for server, server_manifests in services.items():
            if server == client:
                continue
            server_spec = one(server_manifests, "NetworkPolicy")["spec"]
            server_labels, port = pod_labels(server_manifests), container_port(server_manifests)
            egress = _rules_admit(client_spec.get("egress", []), "to", server_labels, port)
            ingress = _rules_admit(server_spec.get("ingress", []), "from", client_labels, port)
            if egress and ingress:
                found.add((client, server))
    return found


def web_config_problems(web: list[Manifest], api: list[Manifest], region: str) -> list[str]:
    """web: its ConfigMap (envFrom) signs in with the API layer's issuer and audience (a
    Cognito user pool in ``region`` and its app client), names the site's own ingress host as
    its public URL (the sign-in redirect comes back there), calls the API layer's Service and
    nothing else, keeps the cookie secure, and gets WEB_SECRET_KEY from a Secret."""
    data, problems = envfrom_config(web, "web")
    api_data = one(api, "ConfigMap").get("data") or {}
    issuer = data.get("WEB_OIDC_ISSUER", "")
    problems += cognito_issuer_problems("WEB_OIDC_ISSUER", issuer, region)
    if issuer != api_data.get("AUTH_ISSUER"):
        problems.append(f"WEB_OIDC_ISSUER {issuer!r} is not the API layer's AUTH_ISSUER")
    if data.get("WEB_OIDC_CLIENT_ID") != api_data.get("AUTH_AUDIENCE"):
        problems.append("WEB_OIDC_CLIENT_ID is not the API layer's AUTH_AUDIENCE")
    ingress = one(web, "Ingress")
    host = ingress["spec"]["rules"][0]["host"]
    if data.get("WEB_PUBLIC_URL") != f"https://{host}":
        problems.append(f"WEB_PUBLIC_URL is {data.get('WEB_PUBLIC_URL')!r}, not https://{host}")
    service = one(api, "Service")
    api_url = f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}"
    if data.get("WEB_API_URL") != api_url:
        problems.append(f"WEB_API_URL is {data.get('WEB_API_URL')!r}, not {api_url}")
    if data.get("WEB_COOKIE_SECURE") != "true":
        problems.append("WEB_COOKIE_SECURE is not true (the session cookie over plain HTTP)")
    env = {e["name"]: e for e in main_container(web).get("env", [])}
    if "secretKeyRef" not in env.get("WEB_SECRET_KEY", {}).get("valueFrom", {}):
        problems.append("WEB_SECRET_KEY does not come from a Secret")
    return problems
