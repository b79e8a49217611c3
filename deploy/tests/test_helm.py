"""The Helm charts: lint, render with every values file, Kubernetes schemas, and the
properties that matter (probes, NetworkPolicies and who may reach whom, secrets,
securityContext, migration hook, the api's token issuer and the web front end's sign-in).
Each check is also run on a deliberately broken copy to show that it fails."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from api.settings import Settings as ApiSettings
from deploytest import charts, checks
from deploytest import terraform as tf
from flights.settings import Settings as FlightsSettings
from reservations.settings import Settings as ReservationsSettings
from web.settings import Settings as WebSettings

PORTS = {
    "flights": FlightsSettings.port,
    "reservations": ReservationsSettings.port,
    "api": ApiSettings.port,
    "web": WebSettings.port,
}
# The readiness probe's path: the chassis' /health, except for the web front end, whose /health
# fails whenever the API layer does (all its pods would leave the load balancer at once).
READINESS = {"web": "/ping"}
# The services behind the ingress controller, each on its own host.
EDGE = ("api", "web")
DATASTORE_PORTS = {"flights": 3306, "reservations": 6379}
VALUES = ["values.yaml", *(f"values-{env}.yaml" for env in charts.ENVIRONMENTS)]
CASES = [(service, values) for service in charts.SERVICES for values in VALUES]
TERRAFORM = charts.REPO / "deploy" / "terraform"


@pytest.fixture()
def broken_root(tmp_path: Path) -> Path:
    """A private copy of the charts to break (service-lib is packed after the edit)."""
    shutil.copytree(charts.HELM, tmp_path / "helm", ignore=shutil.ignore_patterns("charts"))
    return tmp_path / "helm"


def build(root: Path) -> None:
    for service in charts.SERVICES:
        helm_python.dependency_build(root / service)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(("service", "values_file"), CASES)
def test_lint_is_clean(chart_root: Path, service: str, values_file: str) -> None:
    chart = chart_root / service
    assert charts.lint(chart, charts.load_values(chart, values_file)) == []


def test_lint_fails_on_a_broken_template(broken_root: Path) -> None:
    edit(broken_root / "service-lib/templates/_service.tpl", "{{- end -}}", "")
    build(broken_root)
    assert charts.lint(broken_root / "flights", {}) != []


@pytest.mark.parametrize(("service", "values_file"), CASES)
def test_renders_valid_kubernetes(rendered: charts.Render, service: str, values_file: str) -> None:
    manifests = rendered(service, values_file)
    expected = {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    }
    expected |= {"api": {"Ingress"}, "web": {"Ingress"}, "flights": {"Job"}}.get(service, set())
    assert {m["kind"] for m in manifests} == expected
    assert checks.kubernetes_schema_problems(manifests) == []


def test_kubernetes_validation_fails_on_an_invalid_manifest(broken_root: Path) -> None:
    service = broken_root / "service-lib/templates/_service.tpl"
    edit(service, "type: ClusterIP", "typo: ClusterIP")
    build(broken_root)
    manifests = charts.render(broken_root / "flights", {})
    assert any("typo" in p for p in checks.kubernetes_schema_problems(manifests))


def example_values(service: str, override: dict[str, Any]) -> dict[str, Any]:
    """The chart's defaults plus example settings of what each environment sets (api and web:
    values.yaml alone does not render), then ``override``: so that a rejection is the
    override's doing."""
    return charts.merge(charts.ENVIRONMENT_ONLY[service], override)


def test_values_schema_rejects_a_credential_in_the_config(chart_root: Path) -> None:
    url = {"config": {"FLIGHTS_DATABASE_URL": "mysql://flights:hunter2@db:3306/flights"}}
    with pytest.raises(helm_python.HelmError):
        charts.render(chart_root / "flights", url)
    with pytest.raises(helm_python.HelmError):
        charts.render(
            chart_root / "api",
            example_values("api", {"config": {"FLIGHTS_URL": "http://u:p@flights"}}),
        )


def test_values_schema_rejects_latest_and_other_probe_paths(chart_root: Path) -> None:
    with pytest.raises(helm_python.HelmError):
        charts.render(chart_root / "api", example_values("api", {"image": {"tag": "latest"}}))
    with pytest.raises(helm_python.HelmError):
        charts.render(
            chart_root / "api", example_values("api", {"probes": {"readinessPath": "/ping"}})
        )


# --- the token issuer the API layer trusts (config.AUTH_*) ----------------------------------

JWKS = "https://issuer.example.invalid/.well-known/jwks.json"


def test_the_example_issuer_renders(chart_root: Path) -> None:
    """The control for the rejections below: each differs from this in one setting."""
    configmap = checks.one(
        charts.render(chart_root / "api", example_values("api", {})), "ConfigMap"
    )
    assert configmap["data"]["AUTH_JWKS_URL"] == JWKS


def test_api_does_not_render_without_an_environment(chart_root: Path) -> None:
    """values.yaml alone names no issuer: the schema refuses it rather than trusting a default."""
    with pytest.raises(helm_python.HelmError, match="AUTH_ISSUER|AUTH_AUDIENCE"):
        charts.render(chart_root / "api", {})


# Settings of the api's config that values.schema.json refuses, by case: the config and part of
# the reason (test_values_schema_rejects, with the web chart's cases).
API_CONFIG_REJECTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "no-issuer": ({"AUTH_ISSUER": None}, "missing property 'AUTH_ISSUER'"),
    "no-audience": ({"AUTH_AUDIENCE": None}, "missing property 'AUTH_AUDIENCE'"),
    "empty-audience": ({"AUTH_AUDIENCE": ""}, "/config/AUTH_AUDIENCE"),
    "neither-jwks-nor-key-file": ({"AUTH_JWKS_URL": None}, "'oneOf' failed, none matched"),
    "both-jwks-and-key-file": (
        {"AUTH_PUBLIC_KEY_FILE": "/etc/flightres/issuer.pem"},
        "'oneOf' failed, subschemas",
    ),
    "relative-key-file": (
        {"AUTH_JWKS_URL": None, "AUTH_PUBLIC_KEY_FILE": "k.pem"},
        "/config/AUTH_PUBLIC_KEY_FILE",
    ),
    "plain-http-issuer": ({"AUTH_ISSUER": "http://issuer.example.invalid"}, "/config/AUTH_ISSUER"),
    "plain-http-jwks": (
        {"AUTH_JWKS_URL": "http://issuer.example.invalid/jwks.json"},
        "/config/AUTH_JWKS_URL",
    ),
    "bad-claim-name": ({"AUTH_AUDIENCE_CLAIM": "client id"}, "/config/AUTH_AUDIENCE_CLAIM"),
}


def test_a_key_file_instead_of_a_jwks_passes_the_schema(chart_root: Path) -> None:
    values = example_values(
        "api", {"config": {"AUTH_JWKS_URL": None, "AUTH_PUBLIC_KEY_FILE": "/k.pem"}}
    )
    configmap = checks.one(charts.render(chart_root / "api", values), "ConfigMap")
    assert configmap["data"]["AUTH_PUBLIC_KEY_FILE"] == "/k.pem"
    assert "AUTH_JWKS_URL" not in configmap["data"]


def jwks_path() -> str:
    """What modules/identity appends to the issuer for its JWKS output."""
    parsed = tf.parse_dir(TERRAFORM)
    issuer = tf.identity_output(parsed, TERRAFORM, "issuer_url")
    jwks = tf.identity_output(parsed, TERRAFORM, "jwks_url")
    assert jwks.startswith(issuer), (issuer, jwks)
    return jwks.removeprefix(issuer)


@pytest.mark.parametrize("env", charts.ENVIRONMENTS)
def test_each_environment_trusts_its_cognito_user_pool(rendered: charts.Render, env: str) -> None:
    """As modules/identity's outputs have it: a Cognito issuer in the environment's region,
    its own JWKS, the app client as audience in the client_id claim."""
    parsed = tf.parse_dir(TERRAFORM)
    claim = tf.identity_output(parsed, TERRAFORM, "audience_claim")
    assert claim == "client_id"
    region = tf.region(TERRAFORM, parsed, env)
    manifests = rendered("api", f"values-{env}.yaml")
    assert checks.auth_config_problems(manifests, region, jwks_path()) == []


def test_environments_do_not_share_an_issuer_or_audience(rendered: charts.Render) -> None:
    configs = [
        checks.one(rendered("api", f"values-{env}.yaml"), "ConfigMap")["data"]
        for env in charts.ENVIRONMENTS
    ]
    for key in ("AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"):
        assert len({c[key] for c in configs}) == len(configs), key


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"AUTH_ISSUER": "https://issuer.example.invalid"}, "not a Cognito"),
        (
            {"AUTH_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc"},
            "is in us-east-1",
        ),
        ({"AUTH_AUDIENCE_CLAIM": None}, "not client_id"),
        ({"AUTH_AUDIENCE_CLAIM": "aud"}, "not client_id"),
        (
            {"AUTH_JWKS_URL": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/jwks"},
            "AUTH_JWKS_URL",
        ),
        ({"AUTH_JWKS_URL": None, "AUTH_PUBLIC_KEY_FILE": "/k.pem"}, "mounts no key file"),
    ],
)
def test_issuer_check_fails_on_a_wrong_issuer(
    chart_root: Path, config: dict[str, Any], problem: str
) -> None:
    chart = chart_root / "api"
    values = charts.merge(charts.load_values(chart, "values-staging.yaml"), {"config": config})
    problems = checks.auth_config_problems(charts.render(chart, values), "eu-west-1", jwks_path())
    assert any(problem in p for p in problems), problems


def test_a_new_issuer_rolls_the_api_pods(chart_root: Path) -> None:
    """The AUTH_* settings reach running pods: they are read at start, and the pod template's
    config checksum changes with them."""
    chart = chart_root / "api"
    staging = charts.load_values(chart, "values-staging.yaml")
    other = charts.merge(staging, {"config": {"AUTH_AUDIENCE": "another-client"}})

    def checksum(values: dict[str, Any]) -> str:
        deployment = checks.one(charts.render(chart, values), "Deployment")
        return str(deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"])

    assert checksum(staging) != checksum(other)


@pytest.mark.parametrize(("service", "values_file"), CASES)
def test_probes_point_at_the_chassis_endpoints(
    rendered: charts.Render, service: str, values_file: str
) -> None:
    readiness = READINESS.get(service, "/health")
    problems = checks.probe_problems(rendered(service, values_file), PORTS[service], readiness)
    assert problems == []


def test_probe_check_fails_on_a_wrong_port(broken_root: Path) -> None:
    build(broken_root)
    manifests = charts.render(broken_root / "flights", {})
    assert checks.probe_problems(manifests, 9999) != []


@pytest.mark.parametrize(("service", "values_file"), CASES)
def test_every_container_is_hardened(
    rendered: charts.Render, service: str, values_file: str
) -> None:
    assert checks.security_context_problems(rendered(service, values_file)) == []


def test_hardening_check_fails_on_a_writable_root(broken_root: Path) -> None:
    edit(
        broken_root / "service-lib/templates/_helpers.tpl",
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
    )
    build(broken_root)
    problems = checks.security_context_problems(charts.render(broken_root / "flights", {}))
    assert any("readOnlyRootFilesystem" in p for p in problems)


@pytest.mark.parametrize(("service", "values_file"), CASES)
def test_no_secret_values_are_rendered(
    rendered: charts.Render, service: str, values_file: str
) -> None:
    assert checks.secret_leak_problems(rendered(service, values_file)) == []


def test_secret_check_fails_on_a_credential_in_a_configmap(
    rendered: charts.Render,
) -> None:
    manifests = json.loads(json.dumps(rendered("flights", "values.yaml")))
    configmap = checks.one(manifests, "ConfigMap")
    configmap["data"]["DB"] = "mysql://flights:hunter2@db:3306/flights"
    configmap["data"]["FLIGHTS_DATABASE_URL"] = "x"
    assert len(checks.secret_leak_problems(manifests)) == 2


@pytest.mark.parametrize("values_file", VALUES)
@pytest.mark.parametrize("service", sorted(DATASTORE_PORTS))
def test_services_admit_only_the_api_and_reach_only_their_datastore(
    rendered: charts.Render, service: str, values_file: str
) -> None:
    problems = checks.client_policy_problems(
        rendered(service, values_file), rendered("api", values_file), DATASTORE_PORTS[service]
    )
    assert problems == []


@pytest.mark.parametrize("values_file", VALUES)
def test_api_admits_only_the_ingress_and_reaches_only_the_services(
    rendered: charts.Render, values_file: str
) -> None:
    upstreams = {s: rendered(s, values_file) for s in DATASTORE_PORTS}
    clients = {"web": rendered("web", values_file)}
    assert checks.api_policy_problems(rendered("api", values_file), upstreams, clients) == []


def test_policy_checks_fail_when_selectors_miss_the_api_pods(broken_root: Path) -> None:
    edit(
        broken_root / "flights/values.yaml",
        "app.kubernetes.io/name: api\n",
        "app.kubernetes.io/name: gateway\n",
    )
    edit(broken_root / "api/values.yaml", "- port: 8082", "- port: 8083")
    build(broken_root)
    api = charts.render(broken_root / "api", example_values("api", {}))
    flights = charts.render(broken_root / "flights", {})
    reservations = charts.render(broken_root / "reservations", {})
    assert any("API layer" in p for p in checks.client_policy_problems(flights, api, 3306))
    # flights also reaching Redis is caught too.
    assert checks.client_policy_problems(reservations, api, 3306) != []
    web = charts.render(broken_root / "web", example_values("web", {}))
    problems = checks.api_policy_problems(
        api, {"flights": flights, "reservations": reservations}, {"web": web}
    )
    assert any("reservations" in p for p in problems)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        # A client in the API's own namespace, next to Traefik.
        (
            "  allowedClients:\n",
            "  allowedClients:\n    - podSelector:\n        matchLabels:\n          app: x\n",
            "neither Traefik nor the scraper",
        ),
        # HTTPS egress that also reaches the VPC (where flights, reservations and the
        # datastores are).
        ("              - 10.0.0.0/8\n", "", "reaches the private range 10.0.0.0/8"),
        ("              - 169.254.0.0/16\n", "", "reaches the private range 169.254.0.0/16"),
        # HTTPS egress to pods rather than addresses.
        (
            "        - ipBlock:\n            cidr: 0.0.0.0/0\n",
            "        - podSelector:\n            matchLabels:\n              app: x\n"
            "        - ipBlock:\n            cidr: 0.0.0.0/0\n",
            "is not an address range",
        ),
        # Egress on another port to the internet.
        ("        - port: 443\n", "        - port: 8443\n", "egress to ports [8443]"),
    ],
    ids=["same-namespace-client", "vpc", "metadata", "pods-on-443", "other-port"],
)
def test_api_policy_check_fails_on_a_broken_copy(
    broken_root: Path, old: str, new: str, problem: str
) -> None:
    edit(broken_root / "api/values.yaml", old, new)
    build(broken_root)
    api = charts.render(broken_root / "api", example_values("api", {}))
    upstreams = {s: charts.render(broken_root / s, {}) for s in DATASTORE_PORTS}
    clients = {"web": charts.render(broken_root / "web", example_values("web", {}))}
    problems = checks.api_policy_problems(api, upstreams, clients)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("values_file", VALUES)
def test_flights_migrates_in_a_pre_install_hook(rendered: charts.Render, values_file: str) -> None:
    assert checks.hook_problems(rendered("flights", values_file)) == []


def test_hook_check_fails_without_the_hook_annotation(broken_root: Path) -> None:
    edit(
        broken_root / "service-lib/templates/_migrationjob.tpl",
        "helm.sh/hook: pre-install,pre-upgrade",
        "helm.sh/hook: post-install",
    )
    build(broken_root)
    assert checks.hook_problems(charts.render(broken_root / "flights", {})) != []


@pytest.mark.parametrize("values_file", VALUES)
def test_only_the_api_and_web_have_an_ingress_each_on_its_own_host(
    rendered: charts.Render, values_file: str
) -> None:
    hosts = []
    for service in EDGE:
        ingress = checks.one(rendered(service, values_file), "Ingress")
        assert ingress["spec"]["ingressClassName"] == "traefik"
        (rule,) = ingress["spec"]["rules"]
        backend = rule["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": service, "port": {"name": "http"}}
        hosts.append(rule["host"])
    assert len(set(hosts)) == len(hosts), hosts
    for service in sorted(set(charts.SERVICES) - set(EDGE)):
        assert checks.of_kind(rendered(service, values_file), "Ingress") == []


@pytest.mark.parametrize("service", EDGE)
def test_environments_do_not_share_a_host(service: str) -> None:
    files = [charts.HELM / service / f"values-{env}.yaml" for env in charts.ENVIRONMENTS]
    hosts = [yaml.safe_load(f.read_text())["ingress"]["host"] for f in files]
    assert len(set(hosts)) == len(hosts), hosts


@pytest.mark.parametrize("service", charts.SERVICES)
def test_env_values_files_keep_the_image_tag_block_the_release_flow_rewrites(
    service: str,
) -> None:
    for env in charts.ENVIRONMENTS:
        values = yaml.safe_load((charts.HELM / service / f"values-{env}.yaml").read_text())
        assert list(values["image"]) == ["tag"]
        assert isinstance(values["image"]["tag"], str)


def test_schemas_share_identical_definitions() -> None:
    schemas = [
        json.loads((charts.HELM / s / "values.schema.json").read_text()) for s in charts.SERVICES
    ]
    assert all(s["definitions"] == schemas[0]["definitions"] for s in schemas)
    refs = [r for s in schemas for r in _refs(s)]
    assert refs
    assert all(r.startswith("#/") for r in refs)


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


# --- the web front end: sign-in, its Secret, and whom it may talk to -------------------------


def test_the_example_web_settings_render(chart_root: Path) -> None:
    """The control for the rejections below: each differs from this in one setting."""
    configmap = checks.one(
        charts.render(chart_root / "web", example_values("web", {})), "ConfigMap"
    )
    assert configmap["data"]["WEB_PUBLIC_URL"] == "https://www.example.invalid"


def test_web_does_not_render_without_an_environment(chart_root: Path) -> None:
    """values.yaml alone names no issuer, client or public URL: the schema refuses it."""
    with pytest.raises(helm_python.HelmError, match="WEB_OIDC_ISSUER|WEB_PUBLIC_URL"):
        charts.render(chart_root / "web", {})


# Web values that values.schema.json refuses, by case: the override and part of the reason.
WEB_REJECTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "no-issuer": ({"config": {"WEB_OIDC_ISSUER": None}}, "missing property 'WEB_OIDC_ISSUER'"),
    "no-client": (
        {"config": {"WEB_OIDC_CLIENT_ID": None}},
        "missing property 'WEB_OIDC_CLIENT_ID'",
    ),
    "no-public-url": ({"config": {"WEB_PUBLIC_URL": None}}, "missing property 'WEB_PUBLIC_URL'"),
    "plain-http-issuer": (
        {"config": {"WEB_OIDC_ISSUER": "http://issuer.example.invalid"}},
        "WEB_OIDC_ISSUER",
    ),
    "plain-http-public-url": (
        {"config": {"WEB_PUBLIC_URL": "http://www.example.invalid"}},
        "WEB_PUBLIC_URL",
    ),
    "public-url-with-a-path": (
        {"config": {"WEB_PUBLIC_URL": "https://www.example.invalid/signin/callback"}},
        "WEB_PUBLIC_URL",
    ),
    "insecure-cookie": ({"config": {"WEB_COOKIE_SECURE": "false"}}, "WEB_COOKIE_SECURE"),
    "secret-key-in-the-configmap": ({"config": {"WEB_SECRET_KEY": "k" * 40}}, "WEB_SECRET_KEY"),
    "no-secret-key": ({"secretEnv": {"keys": {"WEB_SECRET_KEY": None}}}, "WEB_SECRET_KEY"),
    "no-secret": ({"secretEnv": {"existingSecret": ""}}, "existingSecret"),
    "readiness-on-health": ({"probes": {"readinessPath": "/health"}}, "readinessPath"),
}
REJECTIONS = {
    "api": {
        case: ({"config": config}, reason)
        for case, (config, reason) in API_CONFIG_REJECTIONS.items()
    },
    "web": WEB_REJECTIONS,
}


@pytest.mark.parametrize(
    ("service", "override", "reason"),
    [
        pytest.param(service, override, reason, id=f"{service}-{case}")
        for service, cases in REJECTIONS.items()
        for case, (override, reason) in cases.items()
    ],
)
def test_values_schema_rejects(
    chart_root: Path, service: str, override: dict[str, Any], reason: str
) -> None:
    with pytest.raises(helm_python.HelmError, match=re.escape(reason)):
        charts.render(chart_root / service, example_values(service, override))


@pytest.mark.parametrize("env", charts.ENVIRONMENTS)
def test_web_signs_in_where_the_api_layer_checks_tokens(rendered: charts.Render, env: str) -> None:
    """Per environment: the issuer and client are the api chart's AUTH_ISSUER and AUTH_AUDIENCE
    (a Cognito user pool in the environment's region), the public URL is the site's own ingress
    host, the API layer is its Service, the cookie key comes from the Secret."""
    parsed = tf.parse_dir(TERRAFORM)
    region = tf.region(TERRAFORM, parsed, env)
    web, api = rendered("web", f"values-{env}.yaml"), rendered("api", f"values-{env}.yaml")
    assert checks.web_config_problems(web, api, region) == []


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            {"WEB_OIDC_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"},
            "not the API layer's AUTH_ISSUER",
        ),
        (
            {"WEB_OIDC_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc"},
            "is in us-east-1",
        ),
        ({"WEB_OIDC_CLIENT_ID": "another-client"}, "AUTH_AUDIENCE"),
        ({"WEB_PUBLIC_URL": "https://www.other.example.invalid"}, "WEB_PUBLIC_URL"),
        ({"WEB_API_URL": "http://flights:8081"}, "WEB_API_URL"),
    ],
    ids=["other-issuer", "other-region", "other-client", "other-host", "not-the-api"],
)
def test_web_config_check_fails_on_a_wrong_setting(
    chart_root: Path, rendered: charts.Render, config: dict[str, Any], problem: str
) -> None:
    chart = chart_root / "web"
    values = charts.merge(charts.load_values(chart, "values-staging.yaml"), {"config": config})
    api = rendered("api", "values-staging.yaml")
    problems = checks.web_config_problems(charts.render(chart, values), api, "eu-west-1")
    assert any(problem in p for p in problems), problems


def test_web_config_check_fails_without_the_secret_key(rendered: charts.Render) -> None:
    web = json.loads(json.dumps(rendered("web", "values-staging.yaml")))
    container = checks.one(web, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [e for e in container["env"] if e["name"] != "WEB_SECRET_KEY"]
    problems = checks.web_config_problems(web, rendered("api", "values-staging.yaml"), "eu-west-1")
    assert any("WEB_SECRET_KEY" in p for p in problems), problems


def tfvars_list(env: str, name: str) -> list[str] | None:
    """A list that environments/<env>.tfvars sets, or None without such an environment."""
    path = TERRAFORM / "environments" / f"{env}.tfvars"
    if not path.is_file():
        return None
    return [str(tf.unquote(url)) for url in tf.settings(path).get(name, [])]


@pytest.mark.parametrize(
    "env", [e for e in charts.ENVIRONMENTS if tfvars_list(e, "auth_callback_urls") is not None]
)
def test_the_app_client_accepts_the_sites_callback(rendered: charts.Render, env: str) -> None:
    """Cognito sends the browser back only to a registered callback URL: the environment's
    app client (modules/identity, auth_callback_urls) must list <WEB_PUBLIC_URL>/signin/callback,
    and may send it to the site after signing out (auth_logout_urls)."""
    public_url = checks.one(rendered("web", f"values-{env}.yaml"), "ConfigMap")["data"][
        "WEB_PUBLIC_URL"
    ]
    assert f"{public_url}/signin/callback" in (tfvars_list(env, "auth_callback_urls") or [])
    assert f"{public_url}/" in (tfvars_list(env, "auth_logout_urls") or [])


@pytest.mark.parametrize("values_file", VALUES)
def test_web_admits_only_the_ingress_and_reaches_only_the_api(
    rendered: charts.Render, values_file: str
) -> None:
    web, api = rendered("web", values_file), rendered("api", values_file)
    assert checks.web_policy_problems(web, api) == []


@pytest.mark.parametrize("values_file", VALUES)
def test_pods_reach_exactly_the_services_they_call(
    rendered: charts.Render, values_file: str
) -> None:
    """All the charts' policies together: web reaches the API layer only (never flights or
    reservations, which do not admit it), the API layer reaches the two services, and no other
    pair of services can connect."""
    services = {s: rendered(s, values_file) for s in charts.SERVICES}
    assert checks.connections(services) == {
        ("web", "api"),
        ("api", "flights"),
        ("api", "reservations"),
    }


def admits(server: list[charts.Manifest], client: list[charts.Manifest]) -> bool:
    """Whether the server's NetworkPolicy lets the client's pods in, whatever the client's own
    policy says."""
    spec = checks.one(server, "NetworkPolicy")["spec"]
    labels = checks.pod_labels(client)
    return any(
        not rule.get("from")
        or any(
            checks.in_namespace(p) and checks.selects(p.get("podSelector", {}), labels)
            for p in rule["from"]
        )
        for rule in spec.get("ingress", [])
    )


@pytest.mark.parametrize("values_file", VALUES)
@pytest.mark.parametrize("service", sorted(DATASTORE_PORTS))
def test_flights_and_reservations_do_not_admit_web(
    rendered: charts.Render, service: str, values_file: str
) -> None:
    assert not admits(rendered(service, values_file), rendered("web", values_file))
    assert admits(rendered(service, values_file), rendered("api", values_file))


def test_web_and_api_reach_public_addresses_alike(rendered: charts.Render) -> None:
    """The same HTTPS rule (public addresses only, the same except-list) for the sign-in service
    and for the api's JWKS."""

    def public(service: str) -> list[Any]:
        spec = checks.one(rendered(service, "values-staging.yaml"), "NetworkPolicy")["spec"]
        return [r for r in spec["egress"] if any("ipBlock" in p for p in r["to"])]

    assert public("web") == public("api")
    assert [p["port"] for r in public("web") for p in r["ports"]] == [checks.HTTPS]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        # Past the API layer, straight to flights.
        (
            "              app.kubernetes.io/name: api\n",
            "              app.kubernetes.io/name: flights\n",
            "is not the API layer's pods",
        ),
        # Any server pod in the namespace (flights and reservations too).
        (
            "              app.kubernetes.io/name: api\n              app.kubernetes",
            "              app.kubernetes",
            "is not the API layer's pods",
        ),
        # The API layer on a port it does not listen on.
        ("        - port: 8080\n", "        - port: 8081\n", "reach the API layer on 8080"),
        # HTTPS egress that also reaches the VPC or the instance metadata.
        ("              - 10.0.0.0/8\n", "", "reaches the private range 10.0.0.0/8"),
        ("              - 169.254.0.0/16\n", "", "reaches the private range 169.254.0.0/16"),
        # Egress on another port to the internet.
        ("        - port: 443\n", "        - port: 8443\n", "egress to ports [8443]"),
        # A client in the namespace, next to Traefik.
        (
            "  allowedClients:\n",
            "  allowedClients:\n    - podSelector:\n        matchLabels:\n          app: x\n",
            "neither Traefik nor the scraper",
        ),
    ],
    ids=["flights", "any-server", "api-port", "vpc", "metadata", "other-port", "client"],
)
def test_web_policy_check_fails_on_a_broken_copy(
    broken_root: Path, old: str, new: str, problem: str
) -> None:
    edit(broken_root / "web/values.yaml", old, new)
    build(broken_root)
    web = charts.render(broken_root / "web", example_values("web", {}))
    api = charts.render(broken_root / "api", example_values("api", {}))
    problems = checks.web_policy_problems(web, api)
    assert any(problem in p for p in problems), problems


def test_policy_checks_fail_when_web_reaches_a_service_or_loses_the_api(
    broken_root: Path,
) -> None:
    # flights admits web, web's egress goes to flights; the api no longer admits web.
    edit(
        broken_root / "flights/values.yaml",
        "  allowedClients:\n",
        "  allowedClients:\n    - podSelector:\n        matchLabels:\n"
        "          app.kubernetes.io/name: web\n",
    )
    edit(
        broken_root / "web/values.yaml",
        "              app.kubernetes.io/name: api\n",
        "              app.kubernetes.io/name: flights\n",
    )
    edit(broken_root / "web/values.yaml", "        - port: 8080\n", "        - port: 8081\n")
    edit(
        broken_root / "api/values.yaml",
        "    - podSelector:\n        matchLabels:\n          app.kubernetes.io/name: web\n",
        "    - podSelector:\n        matchLabels:\n          app.kubernetes.io/name: webx\n",
    )
    build(broken_root)
    services = {
        "api": charts.render(broken_root / "api", example_values("api", {})),
        "web": charts.render(broken_root / "web", example_values("web", {})),
        "flights": charts.render(broken_root / "flights", {}),
        "reservations": charts.render(broken_root / "reservations", {}),
    }
    found = checks.connections(services)
    assert ("web", "flights") in found
    assert ("web", "api") not in found
    assert admits(services["flights"], services["web"])
    problems = checks.api_policy_problems(
        services["api"],
        {"flights": services["flights"], "reservations": services["reservations"]},
        {"web": services["web"]},
    )
    assert any("no ingress peer admits the web pods" in p for p in problems), problems
