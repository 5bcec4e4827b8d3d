"""deploy/k8s: every overlay renders, every object validates against Kubernetes' schemas (kubernetes-validate,
strict, on the oldest and newest Kubernetes we support) or its operator's CRD, and the objects fit together
the way a cluster needs: references resolve, pods are hardened, probes and hooks are where they belong."""

from __future__ import annotations

import base64
import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deploy import kustomize
from tests.deploy.support import DEPLOY, K8S, OVERLAYS, find, pod_spec, render

# Spec §2: Kubernetes 1.28+. Validate against the oldest and the newest schemas kubernetes-validate ships.
K8S_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())
# Custom resources have no schema in kubernetes-validate; they are checked against their operators' CRDs,
# vendored in deploy/schemas/crds (provenance in deploy/schemas/README.md).
CRDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com_servicemonitors.yaml",
    ("external-secrets.io/v1", "ExternalSecret"): "external-secrets.io_externalsecrets.yaml",
}
APP_SECRETS = {
    "GPUBROKER_DATABASE_URL",
    "GPUBROKER_REDIS_URL",
    "GPUBROKER_JWT_SECRET",
    "GPUBROKER_WEBHOOK_SECRET",
    "GPUBROKER_ENCRYPTION_KEY",
    "GPUBROKER_METRICS_TOKEN",
}
PROVIDER_KEYS = {"GPUBROKER_LAMBDA_API_KEY", "GPUBROKER_RUNPOD_API_KEY"}


def _closed(schema: Any) -> Any:
    """The CRD schema with every object that lists its properties closed to others: the API server drops
    unknown fields of a custom resource without a word, so a misspelt field must fail here instead."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _closed(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def _crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    crd = yaml.safe_load((DEPLOY / "schemas" / "crds" / CRDS[(api_version, kind)]).read_text())
    version = api_version.split("/")[1]
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version and v["served"]]
    return jsonschema.Draft7Validator(_closed(served["schema"]["openAPIV3Schema"]))


def validate(obj: dict[str, Any]) -> None:
    key = (obj["apiVersion"], obj["kind"])
    if key in CRDS:
        _crd_validator(*key).validate(obj)
        return
    for version in K8S_VERSIONS:
        kubernetes_validate.validate(obj, version, strict=True)


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def objects(overlay: str) -> list[dict[str, Any]]:
    return render(K8S / "overlays" / overlay)


def _secret_keys(objects: list[dict[str, Any]], name: str) -> set[str]:
    """Keys of the Secret `name` as the cluster will have it: rendered, or made by an ExternalSecret."""
    keys: set[str] = set()
    for obj in objects:
        if obj["kind"] == "Secret" and obj["metadata"]["name"] == name:
            keys |= set(obj.get("data", {}))
        if obj["kind"] == "ExternalSecret" and obj["spec"]["target"]["name"] == name:
            keys |= {d["secretKey"] for d in obj["spec"]["data"]}
    return keys


def _templates(objects: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(o, spec) for o in objects if (spec := pod_spec(o)) is not None]


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_every_object_validates(objects: list[dict[str, Any]]) -> None:
    kinds = {o["kind"] for o in objects}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
    } <= kinds
    assert {"ConfigMap", "NetworkPolicy", "ServiceMonitor"} <= kinds
    for obj in objects:
        validate(obj)


def test_validation_catches_misspelt_fields(objects: list[dict[str, Any]]) -> None:
    deployment = copy.deepcopy(find(objects, "Deployment", "gpubroker-api"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/ready"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment)
    monitor = copy.deepcopy(find(objects, "ServiceMonitor", "gpubroker"))
    monitor["spec"]["endpoints"][0]["honorLabel"] = True
    with pytest.raises(jsonschema.ValidationError, match="honorLabel"):
        validate(monitor)


def test_references_resolve(objects: list[dict[str, Any]]) -> None:
    config_maps = {o["metadata"]["name"] for o in objects if o["kind"] == "ConfigMap"}
    for owner, spec in _templates(objects):
        where = f"{owner['kind']} {owner['metadata']['name']}"
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, where
                if "secretRef" in source:
                    assert _secret_keys(objects, source["secretRef"]["name"]), f"{where}: no such Secret"
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in _secret_keys(objects, ref["name"]), f"{where}: {ref}"
            mounted = {m["name"] for m in container.get("volumeMounts", [])}
            assert mounted <= {v["name"] for v in spec.get("volumes", [])} | {
                t["metadata"]["name"] for t in owner["spec"].get("volumeClaimTemplates", [])
            }, where
    # Each Service selects pods whose container has the port it targets.
    for service in (o for o in objects if o["kind"] == "Service"):
        selected = [
            s
            for o, s in _templates(objects)
            if _matches(service["spec"]["selector"], o["spec"]["template"]["metadata"]["labels"])
        ]
        assert selected, f"Service {service['metadata']['name']} selects no pods"
        for port in service["spec"]["ports"]:
            names = {p.get("name") for s in selected for c in s["containers"] for p in c.get("ports", [])}
            assert port["targetPort"] in names, f"Service {service['metadata']['name']}: {port['targetPort']}"
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    for ingress in (o for o in objects if o["kind"] == "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["port"]["name"] in {
                    p["name"] for p in services[backend["name"]]["spec"]["ports"]
                }
    hpa = find(objects, "HorizontalPodAutoscaler", "gpubroker-api")
    assert find(objects, hpa["spec"]["scaleTargetRef"]["kind"], hpa["spec"]["scaleTargetRef"]["name"])
    api_labels = find(objects, "Deployment", "gpubroker-api")["spec"]["template"]["metadata"]["labels"]
    assert _matches(
        find(objects, "PodDisruptionBudget", "gpubroker-api")["spec"]["selector"]["matchLabels"], api_labels
    )


def test_secrets_are_referenced_never_written_in_the_base() -> None:
    base = render(K8S / "base")
    assert not [o for o in base if o["kind"] == "Secret"]
    config = next(o for o in base if o["kind"] == "ConfigMap")
    assert not set(config["data"]) & (
        APP_SECRETS | PROVIDER_KEYS | {"GPUBROKER_CLICKHOUSE_URL", "GPUBROKER_VAULT_TOKEN"}
    )
    for _, spec in _templates(base):
        for container in spec["containers"]:
            assert {"secretRef": {"name": "gpubroker-secrets"}} in container["envFrom"]
            for env in container.get("env", []):
                assert not any(
                    word in env["name"] for word in ("SECRET", "TOKEN", "KEY", "PASSWORD", "_URL")
                ), env


def test_every_secret_setting_is_provided(overlay: str, objects: list[dict[str, Any]]) -> None:
    keys = _secret_keys(objects, "gpubroker-secrets")
    assert keys >= APP_SECRETS
    if overlay == "prod":
        # Production: from Vault through the External Secrets Operator, provider keys included; no
        # Secret with values is rendered at all.
        assert keys >= PROVIDER_KEYS | {"GPUBROKER_CLICKHOUSE_URL", "GPUBROKER_VAULT_TOKEN"}
        assert not [o for o in objects if o["kind"] == "Secret"]
    else:
        for secret in (o for o in objects if o["kind"] == "Secret"):
            for key, value in secret["data"].items():
                plain = base64.b64decode(value).decode()
                shown = (
                    plain if "dev-only" in plain else base64.b64decode(plain + "==").decode(errors="replace")
                )
                assert "dev-only" in shown, (
                    f"{secret['metadata']['name']}.{key} is not an obviously-dev value"
                )


def test_pods_are_hardened(objects: list[dict[str, Any]]) -> None:
    for owner, spec in _templates(objects):
        where = f"{owner['kind']} {owner['metadata']['name']}"
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] > 0, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        for container in spec["containers"]:
            ctx = container["securityContext"]
            assert ctx["readOnlyRootFilesystem"] is True, where
            assert ctx["allowPrivilegeEscalation"] is False, where
            assert ctx["capabilities"]["drop"] == ["ALL"], where
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert "memory" in container["resources"]["limits"], where


def _emptydir_mounts(spec: dict[str, Any], container: dict[str, Any]) -> set[str]:
    empty = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    return {m["mountPath"] for m in container["volumeMounts"] if m["name"] in empty}


def test_api_probes_and_writable_folders(objects: list[dict[str, Any]]) -> None:
    spec = find(objects, "Deployment", "gpubroker-api")["spec"]["template"]["spec"]
    (api,) = spec["containers"]
    assert api["args"][:1] == ["serve"]
    assert api["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"
    env = {e["name"]: e.get("value") for e in api["env"]}
    # The read-only root leaves these writable: var/, /tmp and the multiprocess metrics folder.
    assert {"/app/var", "/tmp", env["PROMETHEUS_MULTIPROC_DIR"]} <= _emptydir_mounts(spec, api)
    hpa = find(objects, "HorizontalPodAutoscaler", "gpubroker-api")
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_worker_probes_its_metrics_port(objects: list[dict[str, Any]]) -> None:
    spec = find(objects, "Deployment", "gpubroker-worker")["spec"]["template"]["spec"]
    (worker,) = spec["containers"]
    assert worker["args"] == ["worker", "--host", "0.0.0.0"]  # its probes and Prometheus reach the pod's IP
    config = next(
        o
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("gpubroker-config")
    )
    (port,) = worker["ports"]
    assert port["containerPort"] == int(config["data"]["GPUBROKER_WORKER_METRICS_PORT"])
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert worker[probe]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    assert {"/app/var", "/tmp"} <= _emptydir_mounts(spec, worker)


def test_migration_job_runs_before_every_sync_and_upgrade(objects: list[dict[str, Any]]) -> None:
    job = find(objects, "Job", "gpubroker-migrate")
    notes = job["metadata"]["annotations"]
    assert notes["argocd.argoproj.io/hook"] == "PreSync"
    assert set(notes["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_ingress_suits_websockets_and_server_sent_events(objects: list[dict[str, Any]]) -> None:
    notes = find(objects, "Ingress", "gpubroker")["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600


def test_network_policy_of_the_api() -> None:
    policy = find(render(K8S / "base"), "NetworkPolicy", "gpubroker-api")
    sources = [
        peer["namespaceSelector"]["matchLabels"]
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
    ]
    assert {"kubernetes.io/metadata.name": "ingress-nginx"} in sources
    egress_ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert egress_ports == {53, 5432, 6379}  # DNS, PostgreSQL, Redis: nothing else in the base


def test_service_monitor_scrapes_api_and_worker(objects: list[dict[str, Any]]) -> None:
    monitor = find(objects, "ServiceMonitor", "gpubroker")
    (expr,) = monitor["spec"]["selector"]["matchExpressions"]
    services = [
        o
        for o in objects
        if o["kind"] == "Service" and o["metadata"]["labels"].get(expr["key"]) in expr["values"]
    ]
    assert {s["metadata"]["name"] for s in services} == {"gpubroker-api", "gpubroker-worker"}
    ports = {p["name"] for s in services for p in s["spec"]["ports"]}
    keys = _secret_keys(objects, "gpubroker-secrets")
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] in ports and endpoint["path"] == "/metrics"
        assert endpoint["honorLabels"] is True  # keeps gpubroker_job_*'s own `job` label
        assert endpoint["authorization"]["credentials"]["key"] in keys


def test_hpa_custom_metric_is_served_by_the_adapter_rule() -> None:
    hpa = find(render(K8S / "base"), "HorizontalPodAutoscaler", "gpubroker-api")
    (pods,) = [m["pods"] for m in hpa["spec"]["metrics"] if m["type"] == "Pods"]
    rules = yaml.safe_load((DEPLOY / "prometheus" / "adapter-rules.yaml").read_text())["rules"]["custom"]
    assert pods["metric"]["name"] in {r["name"]["as"] for r in rules}


def test_images_are_pinned(overlay: str, objects: list[dict[str, Any]]) -> None:
    for _, spec in _templates(objects):
        for container in spec["containers"]:
            name, _, tag = container["image"].rpartition(":")
            assert name and tag and tag != "latest", container["image"]
    if overlay == "prod":
        assert find(objects, "Deployment", "gpubroker-api")["spec"]["template"]["spec"]["containers"][0][
            "image"
        ].endswith(":0.1.0")


def test_renderer_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("commonLabels: {a: b}\n")
    with pytest.raises(kustomize.KustomizeError, match="commonLabels"):
        kustomize.build(tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\npatches:\n  - path: p.yaml\n    target: {kind: ConfigMap, name: other}\n"
    )
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n")
    (tmp_path / "p.yaml").write_text("- {op: add, path: /data/c, value: d}\n")
    with pytest.raises(kustomize.KustomizeError, match="matches nothing"):
        kustomize.build(tmp_path)


def test_renderer_names_generated_objects_as_kustomize_does(tmp_path: Path) -> None:
    # Suffixes printed by kubectl 1.32's Kustomize 5.5 for these two generators: the same data gives the
    # same suffix whatever the name, and a reference in a pod spec follows the rename.
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [pod.yaml]\nconfigMapGenerator:\n  - {name: a, literals: [K=v]}\n  - {name: bbb, literals: [K=v]}\n"
        "secretGenerator:\n  - {name: s, literals: [K=v]}\n"
    )
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - {name: c, image: x, envFrom: [{configMapRef: {name: a}}, {secretRef: {name: s}}]}\n"
    )
    objects = kustomize.build(tmp_path)
    names = {o["metadata"]["name"] for o in objects}
    assert names == {"p", "a-276ch85d82", "bbb-276ch85d82", "s-8gkfgg4d6d"}
    pod = next(o for o in objects if o["kind"] == "Pod")
    assert pod["spec"]["containers"][0]["envFrom"] == [
        {"configMapRef": {"name": "a-276ch85d82"}},
        {"secretRef": {"name": "s-8gkfgg4d6d"}},
    ]


def test_rendered_overlay_can_be_a_helm_chart_template(objects: list[dict[str, Any]]) -> None:
    # README "Deploy": Helm users install the rendered overlay as a chart's template, which Helm reads as a
    # Go template; nothing in it may look like template syntax.
    text = yaml.safe_dump_all(objects)
    assert "{{" not in text and "}}" not in text
