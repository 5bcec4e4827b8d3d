"""A fake RunPod GraphQL API, written from RunPod's public documentation ("Manage Pods" with the GraphQL API,
https://docs.runpod.io/sdks/graphql/manage-pods, and the GraphQL spec it links, https://graphql-spec.runpod.io/):

- ``POST /graphql`` with ``{"query", "variables"}``, authenticated by the API key (``Authorization: Bearer``
  or the documented ``?api_key=``); a bad key is HTTP 401;
- ``myself { id email pods { ... } }``, ``pod(input: {podId}) { ... }`` (null for an unknown pod),
  ``gpuTypes { id displayName memoryInGb }``;
- ``podFindAndDeployOnDemand(input: PodFindAndDeployOnDemandInput)`` and
  ``podRentInterruptable(input: PodRentInterruptableInput)`` (with ``bidPerGpu``) return the new Pod;
  ``podTerminate(input: {podId})``;
- a Pod is ``{id name desiredStatus (RUNNING|EXITED|TERMINATED) costPerHr gpuCount imageName runtime}``,
  ``runtime`` null while starting, then ``{uptimeInSeconds ports [{ip isIpPublic privatePort publicPort type}]}``;
- failures that are not transport failures come back as ``{"errors": [{"message"}]}`` in a 200 answer,
  e.g. "There are no longer any instances available with the requested specifications. Please refresh and
  try again.";
- rate limiting: HTTP 429.

The schema below is the subset of RunPod's the clients use, executed by graphql-core, so a query the real
schema would refuse (an unknown field, a wrong input type) is refused here too.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from graphql import build_schema, graphql_sync

from tests.booking.fakes.common import FakeState, Seen, bearer

SCHEMA = build_schema(
    """
    enum PodStatus { RUNNING EXITED TERMINATED }
    enum CloudTypeEnum { ALL SECURE COMMUNITY }
    type Query { myself: User  pod(input: PodFilter!): Pod  gpuTypes: [GpuType] }
    type Mutation {
      podFindAndDeployOnDemand(input: PodFindAndDeployOnDemandInput!): Pod
      podRentInterruptable(input: PodRentInterruptableInput!): Pod
      podTerminate(input: PodTerminateInput!): Boolean
    }
    type User { id: String  email: String  pods: [Pod] }
    type GpuType { id: String  displayName: String  memoryInGb: Int }
    type Pod {
      id: String!  name: String  desiredStatus: PodStatus  costPerHr: Float  gpuCount: Int  imageName: String
      runtime: PodRuntime
    }
    type PodRuntime { uptimeInSeconds: Int  ports: [PodRuntimePorts] }
    type PodRuntimePorts { ip: String  isIpPublic: Boolean  privatePort: Int  publicPort: Int  type: String }
    input PodFilter { podId: String! }
    input PodTerminateInput { podId: String! }
    input EnvironmentVariableInput { key: String!  value: String! }
    input PodFindAndDeployOnDemandInput {
      name: String  imageName: String  gpuTypeId: String  gpuCount: Int  cloudType: CloudTypeEnum
      containerDiskInGb: Int  volumeInGb: Int  volumeMountPath: String  ports: String  startSsh: Boolean
      supportPublicIp: Boolean  env: [EnvironmentVariableInput]  dataCenterId: String  minVcpuCount: Int
      minMemoryInGb: Int  dockerArgs: String  templateId: String
    }
    input PodRentInterruptableInput {
      bidPerGpu: Float!  name: String  imageName: String  gpuTypeId: String  gpuCount: Int
      cloudType: CloudTypeEnum  containerDiskInGb: Int  volumeInGb: Int  volumeMountPath: String
      ports: String  startSsh: Boolean  supportPublicIp: Boolean  env: [EnvironmentVariableInput]
      dataCenterId: String  minVcpuCount: Int  minMemoryInGb: Int  dockerArgs: String  templateId: String
    }
    """
)
# A few of RunPod's GPU type ids and display names.
GPU_TYPES = [
    {"id": "NVIDIA A100 80GB PCIe", "displayName": "A100 PCIe", "memoryInGb": 80},
    {"id": "NVIDIA A100-SXM4-80GB", "displayName": "A100 SXM", "memoryInGb": 80},
    {"id": "NVIDIA H100 PCIe", "displayName": "H100 PCIe", "memoryInGb": 80},
    {"id": "NVIDIA H100 80GB HBM3", "displayName": "H100 SXM", "memoryInGb": 80},
    {"id": "NVIDIA GeForce RTX 4090", "displayName": "RTX 4090", "memoryInGb": 24},
    {"id": "NVIDIA RTX A6000", "displayName": "RTX A6000", "memoryInGb": 48},
    {"id": "NVIDIA L40S", "displayName": "L40S", "memoryInGb": 48},
]
NO_CAPACITY = "There are no longer any instances available with the requested specifications. Please refresh and try again."


class FakeRunPod(FakeState):
    def __init__(self) -> None:
        super().__init__()
        self.pods: dict[str, dict[str, Any]] = {}
        self.deploys: list[dict[str, Any]] = []
        self.reads: dict[str, int] = {}
        self.boot_reads = 1
        self.no_capacity = False
        self.app = self._build()

    # --- test hooks ------------------------------------------------------------------------------------

    def interrupt(self, pod_id: str) -> None:
        """RunPod takes an interruptible pod back: it stops (EXITED), its runtime gone."""
        with self.lock:
            self.pods[pod_id].update(desiredStatus="EXITED", runtime=None)

    # --- resolvers ---------------------------------------------------------------------------------------

    def _view(self, pod: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in pod.items() if not k.startswith("_")}

    def _deploy(self, data: dict[str, Any], interruptible: bool) -> dict[str, Any] | None:
        if self.no_capacity:
            raise ValueError(NO_CAPACITY)
        if data.get("gpuTypeId") not in {g["id"] for g in GPU_TYPES}:
            raise ValueError(f"Unknown gpuTypeId {data.get('gpuTypeId')!r}")
        pod_id = uuid.uuid4().hex[:14]
        self.deploys.append({"interruptible": interruptible, **data})
        pod = {
            "id": pod_id,
            "name": data.get("name"),
            "desiredStatus": "RUNNING",
            "costPerHr": (data.get("bidPerGpu") or 1.0) * (data.get("gpuCount") or 1),
            "gpuCount": data.get("gpuCount") or 1,
            "imageName": data.get("imageName"),
            "runtime": None,
            "_ip": self.next_ip(),
            "_ports": data.get("ports") or "",
        }
        self.pods[pod_id] = pod
        return self._view(pod)

    def _read(self, pod_id: str) -> dict[str, Any] | None:
        pod = self.pods.get(pod_id)
        if pod is None:
            return None
        self.reads[pod_id] = self.reads.get(pod_id, 0) + 1
        if (
            pod["desiredStatus"] == "RUNNING"
            and pod["runtime"] is None
            and self.reads[pod_id] >= self.boot_reads
        ):
            ports = []
            for i, spec in enumerate(p for p in pod["_ports"].split(",") if p):
                private, _, kind = spec.partition("/")
                ports.append(
                    {
                        "ip": pod["_ip"],
                        "isIpPublic": True,
                        "privatePort": int(private),
                        "publicPort": 40000 + i,
                        "type": kind,
                    }
                )
            pod["runtime"] = {"uptimeInSeconds": 1, "ports": ports}
        return self._view(pod)

    def _root(self) -> dict[str, Any]:
        def terminate(info: Any, input: dict[str, Any]) -> bool:
            pod = self.pods.get(input["podId"])
            if pod is None:
                raise ValueError("Pod not found")
            pod.update(desiredStatus="TERMINATED", runtime=None)
            return True

        return {
            "myself": lambda info: {
                "id": "user_fake",
                "email": "team@example.com",
                "pods": [self._view(p) for p in self.pods.values() if p["desiredStatus"] != "TERMINATED"],
            },
            "pod": lambda info, input: self._read(input["podId"]),
            "gpuTypes": lambda info: GPU_TYPES,
            "podFindAndDeployOnDemand": lambda info, input: self._deploy(input, False),
            "podRentInterruptable": lambda info, input: self._deploy(input, True),
            "podTerminate": terminate,
        }

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/graphql")
        async def graphql(request: Request) -> Any:
            body = await request.json()
            self.requests.append(Seen("POST", "/graphql", body))
            key = bearer(request) or request.query_params.get("api_key")
            if key not in self.keys:
                return JSONResponse({"errors": [{"message": "Unauthorized"}]}, status_code=401)
            if self.take_throttle():
                return JSONResponse(
                    {"errors": [{"message": "Too many requests"}]},
                    status_code=429,
                    headers={"Retry-After": self.retry_after},
                )
            with self.lock:
                result = graphql_sync(
                    SCHEMA,
                    body.get("query", ""),
                    root_value=self._root(),
                    variable_values=body.get("variables"),
                )
            answer: dict[str, Any] = {"data": result.data}
            if result.errors:
                answer["errors"] = [{"message": e.message, "path": e.path} for e in result.errors]
            return JSONResponse(answer)

        return app
