"""A fake Lambda Cloud API v1, written from Lambda's public API reference
(https://docs-api.lambda.ai/api/cloud, "Lambda Cloud API"; instances guide at
https://docs.lambda.ai/public-cloud/on-demand/creating-managing-instances/):

- auth ``Authorization: Bearer <api key>``; a bad key is 401
  ``{"error": {"code": "global/invalid-api-key", "message": "API key was invalid, expired, or deleted.",
  "suggestion": ...}}``;
- ``GET /api/v1/instances`` -> ``{"data": [Instance]}``; ``GET /api/v1/instances/{id}`` -> ``{"data": Instance}``,
  404 ``global/object-does-not-exist`` for an unknown id; Instance = ``{id, name, ip, status
  (booting|active|unhealthy|terminating|terminated), ssh_key_names, file_system_names, region: {name,
  description}, instance_type: {name, ...}, hostname}`` (no ``ip`` while booting);
- ``POST /api/v1/instance-operations/launch`` ``{region_name, instance_type_name, ssh_key_names (exactly one,
  existing), file_system_names?, quantity?, name?}`` -> ``{"data": {"instance_ids": [...]}}``; 400
  ``instance-operations/launch/insufficient-capacity`` when there is none, ``global/invalid-parameters`` for
  a bad request;
- ``POST /api/v1/instance-operations/terminate`` ``{instance_ids}`` -> ``{"data": {"terminated_instances": [...]}}``;
- ``GET /api/v1/ssh-keys`` -> ``{"data": [{id, name, public_key}]}``; ``POST /api/v1/ssh-keys`` ``{name, public_key}``;
- rate limiting: 429 with ``Retry-After``.

A launched instance boots, and reports ``active`` with an address at the ``boot_reads``-th read of it.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.booking.fakes.common import FakeState, Seen, bearer


def _error(status: int, code: str, message: str, suggestion: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if suggestion:
        body["suggestion"] = suggestion
    return JSONResponse({"error": body}, status_code=status)


class FakeLambda(FakeState):
    def __init__(self) -> None:
        super().__init__()
        self.instances: dict[str, dict[str, Any]] = {}
        self.reads: dict[str, int] = {}
        self.ssh_keys: list[dict[str, str]] = []
        self.no_capacity: set[str] = set()
        self.boot_reads = 1
        self.app = self._build()

    def _view(self, instance_id: str) -> dict[str, Any]:
        instance = dict(self.instances[instance_id])
        if instance["status"] == "booting":
            instance.pop("ip", None)
        return instance

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def guard(request: Request, call_next: Any) -> Any:
            body = await request.body()
            self.requests.append(Seen(request.method, request.url.path, body.decode() or None))
            if bearer(request) not in self.keys:
                return _error(
                    401,
                    "global/invalid-api-key",
                    "API key was invalid, expired, or deleted.",
                    "Check your API key or create a new one, then try again.",
                )
            if self.take_throttle():
                response = _error(429, "global/too-many-requests", "Too many requests.")
                response.headers["Retry-After"] = self.retry_after
                return response
            return await call_next(request)

        @app.get("/api/v1/instances")
        def list_instances() -> dict[str, Any]:
            with self.lock:
                return {"data": [self._view(i) for i in self.instances]}

        @app.get("/api/v1/instances/{instance_id}")
        def get_instance(instance_id: str) -> Any:
            with self.lock:
                if instance_id not in self.instances:
                    return _error(404, "global/object-does-not-exist", "Specified instance does not exist.")
                self.reads[instance_id] = self.reads.get(instance_id, 0) + 1
                instance = self.instances[instance_id]
                if instance["status"] == "booting" and self.reads[instance_id] >= self.boot_reads:
                    instance["status"] = "active"
                return {"data": self._view(instance_id)}

        @app.post("/api/v1/instance-operations/launch")
        async def launch(request: Request) -> Any:
            body = await request.json()
            region, kind = body.get("region_name"), body.get("instance_type_name")
            keys = body.get("ssh_key_names")
            if not isinstance(region, str) or not isinstance(kind, str):
                return _error(
                    400, "global/invalid-parameters", "region_name and instance_type_name are required."
                )
            if not isinstance(keys, list) or len(keys) != 1:
                return _error(400, "global/invalid-parameters", "Exactly one SSH key must be specified.")
            with self.lock:
                if keys[0] not in {k["name"] for k in self.ssh_keys}:
                    return _error(400, "global/invalid-parameters", f"SSH key {keys[0]!r} does not exist.")
                if kind in self.no_capacity:
                    return _error(
                        400,
                        "instance-operations/launch/insufficient-capacity",
                        "Not enough capacity to fulfill launch request.",
                    )
                ids = []
                for _ in range(int(body.get("quantity") or 1)):
                    instance_id = uuid.uuid4().hex
                    self.instances[instance_id] = {
                        "id": instance_id,
                        "name": body.get("name"),
                        "ip": self.next_ip(),
                        "status": "booting",
                        "ssh_key_names": keys,
                        "file_system_names": [],
                        "region": {"name": region, "description": region},
                        "instance_type": {"name": kind, "description": kind},
                        "hostname": f"{instance_id[:8]}.cloud.lambdalabs.example",
                    }
                    ids.append(instance_id)
            return {"data": {"instance_ids": ids}}

        @app.post("/api/v1/instance-operations/terminate")
        async def terminate(request: Request) -> Any:
            body = await request.json()
            with self.lock:
                unknown = [i for i in body.get("instance_ids") or [] if i not in self.instances]
                if unknown:
                    return _error(404, "global/object-does-not-exist", "Specified instance does not exist.")
                done = []
                for instance_id in body["instance_ids"]:
                    self.instances[instance_id]["status"] = "terminated"
                    done.append(self._view(instance_id))
            return {"data": {"terminated_instances": done}}

        @app.get("/api/v1/ssh-keys")
        def list_keys() -> dict[str, Any]:
            return {"data": list(self.ssh_keys)}

        @app.post("/api/v1/ssh-keys")
        async def add_key(request: Request) -> Any:
            body = await request.json()
            with self.lock:
                if any(k["name"] == body.get("name") for k in self.ssh_keys):
                    return _error(
                        400, "global/invalid-parameters", "An SSH key with this name already exists."
                    )
                key = {"id": uuid.uuid4().hex, "name": body["name"], "public_key": body["public_key"]}
                self.ssh_keys.append(key)
            return {"data": key}

        return app
