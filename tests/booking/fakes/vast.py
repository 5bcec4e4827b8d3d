"""A fake Vast.ai REST API, written from Vast's public API reference (https://docs.vast.ai/api-reference/,
"create instance" https://docs.vast.ai/api-reference/instances/create-instance, "show instances"
https://docs.vast.ai/api-reference/instances/show-instances, "destroy instance"
https://docs.vast.ai/api-reference/instances/destroy-instance, the CLI's ``show instances`` status table):

- auth ``Authorization: Bearer <api key>``; a bad key is 401 ``{"success": false, "error": "invalid_user",
  "msg": ...}``;
- ``GET /api/v0/users/current/`` -> the account (``id``, ``username``, ``email``, ``credit``);
- ``GET /api/v0/bundles/?q=<json>`` -> ``{"offers": [...]}``: asks matching ``{"field": {"eq": value}}``
  filters, ordered by ``order``;
- ``PUT /api/v0/asks/{id}/`` ``{client_id: "me", image, disk, label, runtype, price?}`` ->
  ``{"success": true, "new_contract": <instance id>}``; an ask already rented is 400
  ``{"success": false, "error": "no_such_ask", "msg": ...}``;
- ``GET /api/v0/instances/`` -> ``{"instances": [...]}``; ``GET /api/v0/instances/{id}/`` ->
  ``{"instances": {...}}`` (Vast's own spelling: one object under a plural key); an instance has ``id``,
  ``label``, ``actual_status`` (null while provisioning, ``loading``, ``running``, ``stopped``, ``exited``,
  ``offline``), ``intended_status``, ``cur_state``, ``public_ipaddr``, ``ssh_host``, ``ssh_port``, ``ports``
  ``{"22/tcp": [{"HostIp": "0.0.0.0", "HostPort": "41022"}]}``, ``dph_total``, ``is_bid``;
- ``POST /api/v0/instances/{id}/ssh/`` ``{ssh_key}`` attaches a key; ``DELETE /api/v0/instances/{id}/`` ->
  ``{"success": true, "msg": "Instance destroyed successfully"}``;
- rate limiting: 429 "API requests too frequent".
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.booking.fakes.common import FakeState, Seen, bearer


def _fail(status: int, error: str, msg: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": error, "msg": msg}, status_code=status)


class FakeVast(FakeState):
    def __init__(self) -> None:
        super().__init__()
        self.asks: dict[int, dict[str, Any]] = {}
        self.instances: dict[int, dict[str, Any]] = {}
        self.rentals: list[dict[str, Any]] = []
        self.reads: dict[int, int] = {}
        self.boot_reads = 1
        self._next_id = 9_000_000
        self.app = self._build()

    def add_ask(
        self, ask_id: int, gpu_name: str, num_gpus: int, dph_total: float, geolocation: str, min_bid: float
    ) -> None:
        self.asks[ask_id] = {
            "id": ask_id,
            "ask_contract_id": ask_id,
            "machine_id": ask_id // 10,
            "gpu_name": gpu_name,
            "num_gpus": num_gpus,
            "dph_total": dph_total,
            "min_bid": min_bid,
            "geolocation": geolocation,
            "rentable": True,
            "rented": False,
            "verified": True,
            "external": False,
        }

    def outbid(self, instance_id: int) -> None:
        """Vast stops an interruptible instance whose bid was beaten; the renter still wants it running."""
        with self.lock:
            self.instances[instance_id].update(
                actual_status="stopped", cur_state="stopped", status_msg="outbid"
            )

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def guard(request: Request, call_next: Any) -> Any:
            body = await request.body()
            self.requests.append(Seen(request.method, request.url.path, body.decode() or None))
            if bearer(request) not in self.keys:
                return _fail(401, "invalid_user", "Invalid user key")
            if self.take_throttle():
                response = _fail(429, "too_many_requests", "API requests too frequent")
                response.headers["Retry-After"] = self.retry_after
                return response
            return await call_next(request)

        @app.get("/api/v0/users/current/")
        def current_user() -> dict[str, Any]:
            return {"id": 4242, "username": "team-gpu", "email": "team@example.com", "credit": 25.0}

        @app.get("/api/v0/bundles/")
        def bundles(q: str = "{}") -> Any:
            query = json.loads(q)
            offers = [a for a in self.asks.values()]
            for key, condition in query.items():
                if isinstance(condition, dict) and "eq" in condition:
                    offers = [o for o in offers if o.get(key) == condition["eq"]]
            for key, direction in reversed(query.get("order") or []):
                offers.sort(key=lambda o: o.get(key) or 0, reverse=direction == "desc")
            return {"offers": offers}

        @app.put("/api/v0/asks/{ask_id}/")
        async def rent(ask_id: int, request: Request) -> Any:
            body = await request.json()
            with self.lock:
                ask = self.asks.get(ask_id)
                if ask is None or ask["rented"]:
                    return _fail(400, "no_such_ask", f"Instance type by id {ask_id} is not available.")
                if body.get("client_id") != "me" or not body.get("image"):
                    return _fail(400, "invalid_args", "client_id 'me' and image are required")
                ask["rented"] = True
                self._next_id += 1
                instance_id = self._next_id
                self.rentals.append({"ask": ask_id, **body})
                self.instances[instance_id] = {
                    "id": instance_id,
                    "label": body.get("label"),
                    "actual_status": None,
                    "intended_status": "running",
                    "cur_state": "running",
                    "public_ipaddr": self.next_ip(),
                    "ssh_host": f"ssh{instance_id % 10}.vast.example",
                    "ssh_port": 20000 + instance_id % 1000,
                    "ports": {},
                    "dph_total": ask["dph_total"],
                    "is_bid": "price" in body,
                    "gpu_name": ask["gpu_name"],
                    "num_gpus": ask["num_gpus"],
                    "ssh_keys": [],
                }
            return {"success": True, "new_contract": instance_id}

        @app.get("/api/v0/instances/")
        def list_instances() -> dict[str, Any]:
            with self.lock:
                return {"instances_found": len(self.instances), "instances": list(self.instances.values())}

        @app.get("/api/v0/instances/{instance_id}/")
        def get_instance(instance_id: int) -> Any:
            with self.lock:
                instance = self.instances.get(instance_id)
                if instance is None:
                    return _fail(404, "no_such_instance", f"Instance {instance_id} not found.")
                self.reads[instance_id] = self.reads.get(instance_id, 0) + 1
                if (
                    instance["actual_status"] in (None, "loading")
                    and self.reads[instance_id] >= self.boot_reads
                ):
                    instance.update(
                        actual_status="running",
                        ports={
                            "22/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(41000 + instance_id % 1000)}]
                        },
                    )
                elif instance["actual_status"] is None:
                    instance["actual_status"] = "loading"
                return {"instances": instance}

        @app.post("/api/v0/instances/{instance_id}/ssh/")
        async def attach_key(instance_id: int, request: Request) -> Any:
            body = await request.json()
            with self.lock:
                if instance_id not in self.instances:
                    return _fail(404, "no_such_instance", f"Instance {instance_id} not found.")
                self.instances[instance_id]["ssh_keys"].append(body.get("ssh_key"))
            return {"success": True, "msg": "SSH key attached"}

        @app.delete("/api/v0/instances/{instance_id}/")
        def destroy(instance_id: int) -> Any:
            with self.lock:
                if self.instances.pop(instance_id, None) is None:
                    return _fail(404, "no_such_instance", f"Instance {instance_id} not found.")
            return {"success": True, "msg": "Instance destroyed successfully"}

        return app
