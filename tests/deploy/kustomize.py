"""A small renderer of the Kustomize features deploy/k8s uses, for machines without kubectl.

Supported, and nothing else (an unknown kustomization field or patch operation is an error, so the
manifests cannot quietly outgrow this renderer): ``resources`` (files and kustomization folders),
``namespace``, ``labels`` (``pairs`` on metadata.labels only), ``images`` (``name``/``newName``/``newTag``),
``configMapGenerator`` and ``secretGenerator`` from ``literals`` (``behavior`` create/merge/replace,
``options.disableNameSuffixHash``) and ``patches`` given as JSON 6902 operations (add, replace, remove) in a
file, with a ``target`` of kind and name.

Generated names carry Kustomize's content hash (sha256 of the object's kind, data and an empty name as Go's
``encoding/json`` writes them, first ten hex digits with 0,1,3,a,e swapped for g,h,k,m,t), and references to
them in pod specs (envFrom, env valueFrom, volumes) are rewritten. Where kubectl exists, tests/deploy renders
every overlay with both and requires identical objects.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_FIELDS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "configMapGenerator",
    "secretGenerator",
    "patches",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}
POD_TEMPLATE_PATHS = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
GENERATED = "__generated__"  # marker kept on generated objects until their names are final


class KustomizeError(ValueError):
    pass


def build(folder: Path) -> list[dict[str, Any]]:
    """The objects ``kubectl kustomize folder`` prints, in no particular order."""
    objects = _build(Path(folder))
    _finish_names(objects)
    return objects


def _build(folder: Path) -> list[dict[str, Any]]:
    kfile = next((folder / n for n in KUSTOMIZATION_FILES if (folder / n).is_file()), None)
    if kfile is None:
        raise KustomizeError(f"{folder}: no kustomization.yaml")
    spec = yaml.safe_load(kfile.read_text()) or {}
    unknown = set(spec) - SUPPORTED_FIELDS
    if unknown:
        raise KustomizeError(f"{kfile}: fields this renderer does not support: {sorted(unknown)}")

    objects: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        if path.is_dir():
            objects.extend(_build(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)

    for gen in spec.get("configMapGenerator", []):
        _generate(objects, "ConfigMap", gen, kfile)
    for gen in spec.get("secretGenerator", []):
        _generate(objects, "Secret", gen, kfile)

    for patch in spec.get("patches", []):
        _patch(objects, folder, patch, kfile)
    if "namespace" in spec:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = spec["namespace"]
    for label in spec.get("labels", []):
        if label.get("includeSelectors") or label.get("includeTemplates"):
            raise KustomizeError(f"{kfile}: labels with includeSelectors/includeTemplates are not supported")
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(label["pairs"])
    for image in spec.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                container["image"] = _retag(container["image"], image)
    return objects


def _generate(objects: list[dict[str, Any]], kind: str, gen: dict[str, Any], kfile: Path) -> None:
    extra = set(gen) - {"name", "literals", "behavior", "options", "type"}
    if extra:
        raise KustomizeError(f"{kfile}: {kind} generator fields not supported: {sorted(extra)}")
    data: dict[str, str] = {}
    for literal in gen.get("literals", []):
        key, sep, value = literal.partition("=")
        if not sep:
            raise KustomizeError(f"{kfile}: literal {literal!r} has no '='")
        data[key] = value
    if kind == "Secret":
        data = {k: _base64(v) for k, v in data.items()}
    behavior = gen.get("behavior", "create")
    existing = next(
        (o for o in objects if o["kind"] == kind and o.get(GENERATED, {}).get("name") == gen["name"]), None
    )
    if behavior == "create":
        if existing is not None:
            raise KustomizeError(f"{kfile}: {kind} {gen['name']} already exists (use behavior: merge)")
        obj: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": gen["name"]},
            "data": data,
        }
        if kind == "Secret":
            obj["type"] = gen.get("type", "Opaque")
        hashed = not gen.get("options", {}).get("disableNameSuffixHash", False)
        obj[GENERATED] = {"name": gen["name"], "hash": hashed}
        objects.append(obj)
    elif existing is None:
        raise KustomizeError(f"{kfile}: {kind} {gen['name']} to {behavior} does not exist")
    elif behavior == "merge":
        existing["data"].update(data)
    elif behavior == "replace":
        existing["data"] = data
    else:
        raise KustomizeError(f"{kfile}: unknown behavior {behavior!r}")


def _base64(value: str) -> str:
    # As Kustomize writes Secret data: lines of 70 characters, ended by a newline once wrapped.
    encoded = base64.b64encode(value.encode()).decode()
    if len(encoded) <= 70:
        return encoded
    return "".join(encoded[i : i + 70] + "\n" for i in range(0, len(encoded), 70))


def _patch(objects: list[dict[str, Any]], folder: Path, patch: dict[str, Any], kfile: Path) -> None:
    target = patch.get("target") or {}
    if set(patch) != {"path", "target"} or set(target) - {"kind", "name"}:
        raise KustomizeError(f"{kfile}: only patches with a path and a target of kind/name are supported")
    ops = yaml.safe_load((folder / patch["path"]).read_text())
    matches = [o for o in objects if all(_meta_value(o, k) == v for k, v in target.items())]
    if not matches:
        raise KustomizeError(f"{kfile}: patch {patch['path']} matches nothing ({target})")
    for obj in matches:
        for op in ops:
            _apply_op(obj, op, patch["path"])


def _meta_value(obj: dict[str, Any], key: str) -> Any:
    if key == "kind":
        return obj["kind"]
    return obj.get(GENERATED, {}).get("name", obj["metadata"]["name"])


def _apply_op(obj: dict[str, Any], op: dict[str, Any], where: str) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    parent: Any = obj
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    kind = op["op"]
    if kind not in ("add", "replace", "remove"):
        raise KustomizeError(f"{where}: JSON patch operation {kind!r} is not supported")
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if kind == "add":
            parent.insert(index, copy.deepcopy(op["value"]))
        elif kind == "replace":
            parent[index] = copy.deepcopy(op["value"])
        else:
            del parent[index]
        return
    if kind in ("replace", "remove") and last not in parent:
        raise KustomizeError(f"{where}: {op['path']} does not exist")
    if kind == "remove":
        del parent[last]
    else:
        parent[last] = copy.deepcopy(op["value"])


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    node: Any = obj
    for key in POD_TEMPLATE_PATHS.get(obj["kind"], ()):
        node = node.get(key) if isinstance(node, dict) else None
    return node if obj["kind"] in POD_TEMPLATE_PATHS and isinstance(node, dict) else None


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = _pod_spec(obj)
    if spec is None:
        return []
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _retag(image: str, rule: dict[str, Any]) -> str:
    extra = set(rule) - {"name", "newName", "newTag"}
    if extra:
        raise KustomizeError(f"image fields not supported: {sorted(extra)}")
    name, tag = image, None
    if ":" in image.rsplit("/", 1)[-1]:
        name, tag = image.rsplit(":", 1)
    if name != rule["name"]:
        return image
    name = rule.get("newName", name)
    tag = str(rule["newTag"]) if "newTag" in rule else tag
    return f"{name}:{tag}" if tag else name


def content_hash(obj: dict[str, Any]) -> str:
    """Kustomize's name suffix for a generated ConfigMap or Secret (api/hasher in kustomize)."""
    # Kustomize 5 hashes a generated object before it is named: two generators with the same data get the
    # same suffix (seen with kubectl 1.32's Kustomize 5.5), so the name in the hashed document is empty.
    fields: dict[str, Any] = {"kind": obj["kind"], "name": "", "data": obj.get("data", {})}
    if obj["kind"] == "Secret":
        fields["type"] = obj.get("type", "Opaque")
    # Go's encoding/json: sorted keys, no spaces, and <, >, & escaped.
    encoded = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    encoded = encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    digest = hashlib.sha256(encoded.encode()).hexdigest()[:10]
    return digest.translate(str.maketrans("013ae", "ghkmt"))


def _finish_names(objects: list[dict[str, Any]]) -> None:
    renamed: dict[tuple[str, str], str] = {}
    for obj in objects:
        generated = obj.pop(GENERATED, None)
        if generated and generated["hash"]:
            new = f"{obj['metadata']['name']}-{content_hash(obj)}"
            renamed[(obj["kind"], obj["metadata"]["name"])] = new
            obj["metadata"]["name"] = new
    for obj in objects:
        spec = _pod_spec(obj)
        if spec is None:
            continue
        for container in _containers(obj):
            for source in container.get("envFrom", []):
                _rename(source.get("configMapRef"), "name", "ConfigMap", renamed)
                _rename(source.get("secretRef"), "name", "Secret", renamed)
            for env in container.get("env", []):
                value_from = env.get("valueFrom", {})
                _rename(value_from.get("configMapKeyRef"), "name", "ConfigMap", renamed)
                _rename(value_from.get("secretKeyRef"), "name", "Secret", renamed)
        for volume in spec.get("volumes", []):
            _rename(volume.get("configMap"), "name", "ConfigMap", renamed)
            _rename(volume.get("secret"), "secretName", "Secret", renamed)
            for source in volume.get("projected", {}).get("sources", []):
                _rename(source.get("configMap"), "name", "ConfigMap", renamed)
                _rename(source.get("secret"), "name", "Secret", renamed)


def _rename(ref: dict[str, Any] | None, key: str, kind: str, renamed: dict[tuple[str, str], str]) -> None:
    if ref and (kind, ref.get(key)) in renamed:
        ref[key] = renamed[(kind, ref[key])]
