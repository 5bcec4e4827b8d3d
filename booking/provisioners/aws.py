"""AWS EC2 through boto3: ``RunInstances`` of the offer's instance type in its region, spot through
``InstanceMarketOptions``, an imported SSH key pair and a security group that opens SSH only, the booking
id as the ``gpubroker-booking`` tag (and as ``ClientToken``), ``TerminateInstances`` to stop.

Idempotency: ``provision`` first asks ``DescribeInstances`` for a live instance tagged with the booking id,
and only creates one when there is none; ``ClientToken`` makes EC2 itself return the first instance for a
retried create within its idempotency window.

The image is ``GPUBROKER_AWS_AMI_ID`` when set, else the newest "Deep Learning Base OSS Nvidia Driver GPU
AMI (Ubuntu 22.04)" Amazon publishes in the region, else Amazon Linux 2023 from its public SSM parameter;
the SSH user follows the image (``ubuntu`` / ``ec2-user``). ``GPUBROKER_AWS_ENDPOINT_URL`` points every
client at another endpoint (moto in the tests); unset in production. Errors are mapped by their AWS error
code: ``AuthFailure``, ``UnauthorizedOperation``, ``InvalidClientTokenId``, ``SignatureDoesNotMatch`` are
refused credentials; ``RequestLimitExceeded``/``Throttling`` is a rate limit (botocore's standard retry mode
has already backed off); everything else a 502 quoting AWS's message.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from booking.errors import CredentialsRefused, ProviderError, ProviderRateLimited, ProviderRefused
from booking.models import Booking
from booking.provisioners.base import TAG_KEY, Credentials, EndedBy, Observation, Port, Status
from core.settings import Settings

log = logging.getLogger(__name__)

PROVIDER = "aws"
SECURITY_GROUP = "gpubroker-ssh"
DLAMI_NAME = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04)*"
AL2023_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
REFUSED = frozenset(
    {
        "AuthFailure",
        "UnauthorizedOperation",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "OptInRequired",
    }
)
THROTTLED = frozenset({"RequestLimitExceeded", "Throttling", "ThrottlingException"})
LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"]
STATUS: dict[str, Status] = {
    "pending": "pending",
    "running": "running",
    "stopping": "stopping",
    "stopped": "stopping",
    "shutting-down": "stopping",
    "terminated": "terminated",
}
DEFAULT_REGION = "us-east-1"


def _mapped(exc: Exception, what: str) -> Exception:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code in REFUSED:
            return CredentialsRefused(
                f"aws refused the credentials: {code}: {message}",
                details={"provider": PROVIDER, "code": code},
            )
        if code in THROTTLED:
            return ProviderRateLimited(
                f"aws is rate limiting us ({code})", retry_after_s=30.0, details={"provider": PROVIDER}
            )
        error = (
            ProviderError
            if code.endswith(("InternalError", "Unavailable", "ServiceUnavailable"))
            else ProviderRefused
        )
        return error(
            f"aws refused {what}: {code}: {message}",
            details={"provider": PROVIDER, "code": code, "answer": message},
        )
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return CredentialsRefused("aws: no usable credentials", details={"provider": PROVIDER})
    return ProviderError(
        f"aws could not be reached for {what} ({type(exc).__name__})", details={"provider": PROVIDER}
    )


def region_of(booking: Booking) -> str:
    return booking.region or DEFAULT_REGION


class AwsProvisioner:
    def __init__(self, settings: Settings, credentials: Credentials | None) -> None:
        if credentials is None:
            raise CredentialsRefused("aws needs credentials", details={"provider": PROVIDER})
        self._settings = settings
        self._credentials = credentials

    def _client(self, service: str, region: str) -> Any:
        config = botocore.config.Config(
            retries={"mode": "standard", "max_attempts": self._settings.provider_retries + 1},
            connect_timeout=self._settings.http_timeout_s,
            read_timeout=max(self._settings.http_timeout_s, 30.0),
        )
        return boto3.session.Session().client(
            service,
            region_name=region,
            endpoint_url=self._settings.aws_endpoint_url,
            aws_access_key_id=self._credentials["access_key_id"],
            aws_secret_access_key=self._credentials["secret_access_key"],
            config=config,
        )

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise _mapped(exc, what) from exc

    # --- the protocol --------------------------------------------------------------------------------

    def check(self) -> str:
        sts = self._client("sts", DEFAULT_REGION)
        identity = self._call("GetCallerIdentity", sts.get_caller_identity)
        return f"account {identity.get('Account')} ({identity.get('Arn')})"

    def provision(self, booking: Booking) -> str:
        ec2 = self._client("ec2", region_of(booking))
        existing = self._tagged(ec2, booking.id)
        if existing:
            return str(existing[0]["InstanceId"])
        image_id, _ = self._image(ec2, region_of(booking))
        request: dict[str, Any] = {
            "ImageId": image_id,
            "InstanceType": booking.offer_name,
            "MinCount": 1,
            "MaxCount": 1,
            "ClientToken": booking.id,
            "SecurityGroupIds": [self._security_group(ec2)],
            "TagSpecifications": [
                {
                    "ResourceType": "instance",
                    "Tags": [
                        {"Key": TAG_KEY, "Value": booking.id},
                        {"Key": "gpubroker-tenant", "Value": booking.tenant_id},
                        {"Key": "Name", "Value": f"gpubroker {booking.offer_name}"},
                    ],
                }
            ],
        }
        if booking.ssh_public_key:
            request["KeyName"] = self._key_pair(ec2, booking.ssh_public_key)
        if booking.spot:
            request["InstanceMarketOptions"] = {
                "MarketType": "spot",
                "SpotOptions": {"SpotInstanceType": "one-time", "InstanceInterruptionBehavior": "terminate"},
            }
        answer = self._call("RunInstances", ec2.run_instances, **request)
        return str(answer["Instances"][0]["InstanceId"])

    def stop(self, booking: Booking) -> None:
        if not booking.provider_ref:
            return
        ec2 = self._client("ec2", region_of(booking))
        try:
            ec2.terminate_instances(InstanceIds=[booking.provider_ref])
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidInstanceID.NotFound":
                return  # already gone
            raise _mapped(exc, "TerminateInstances") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise _mapped(exc, "TerminateInstances") from exc

    def observe(self, booking: Booking) -> Observation | None:
        if not booking.provider_ref:
            return None
        ec2 = self._client("ec2", region_of(booking))
        try:
            answer = ec2.describe_instances(InstanceIds=[booking.provider_ref])
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidInstanceID.NotFound":
                return Observation(
                    booking.provider_ref, "lost", booking.id, reason="aws no longer knows this instance"
                )
            raise _mapped(exc, "DescribeInstances") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise _mapped(exc, "DescribeInstances") from exc
        instances = [i for r in answer.get("Reservations", []) for i in r.get("Instances", [])]
        if not instances:
            return Observation(
                booking.provider_ref, "lost", booking.id, reason="aws no longer knows this instance"
            )
        return self._observation(ec2, instances[0])

    def list_ours(self) -> list[Observation]:
        """Our tagged instances in every region the account's bookings use (the catalog's AWS regions)."""
        seen: list[Observation] = []
        for region in self._regions():
            ec2 = self._client("ec2", region)
            answer = self._call(
                "DescribeInstances",
                ec2.describe_instances,
                Filters=[
                    {"Name": "tag-key", "Values": [TAG_KEY]},
                    {"Name": "instance-state-name", "Values": LIVE_STATES},
                ],
            )
            for reservation in answer.get("Reservations", []):
                seen.extend(self._observation(ec2, i) for i in reservation.get("Instances", []))
        return seen

    # --- helpers -------------------------------------------------------------------------------------

    def _regions(self) -> list[str]:
        return [DEFAULT_REGION] if self._settings.aws_endpoint_url else self._all_regions()

    def _all_regions(self) -> list[str]:
        ec2 = self._client("ec2", DEFAULT_REGION)
        answer = self._call("DescribeRegions", ec2.describe_regions)
        return sorted(str(r["RegionName"]) for r in answer.get("Regions", []))

    def _tagged(self, ec2: Any, booking_id: str) -> list[dict[str, Any]]:
        answer = self._call(
            "DescribeInstances",
            ec2.describe_instances,
            Filters=[
                {"Name": f"tag:{TAG_KEY}", "Values": [booking_id]},
                {"Name": "instance-state-name", "Values": LIVE_STATES},
            ],
        )
        return [i for r in answer.get("Reservations", []) for i in r.get("Instances", [])]

    def _image(self, ec2: Any, region: str) -> tuple[str, str]:
        """(image id, ssh user)."""
        if self._settings.aws_ami_id:
            return self._settings.aws_ami_id, "ubuntu"
        images = self._call(
            "DescribeImages",
            ec2.describe_images,
            Owners=["amazon"],
            Filters=[{"Name": "name", "Values": [DLAMI_NAME]}, {"Name": "state", "Values": ["available"]}],
        ).get("Images", [])
        if images:
            newest = max(images, key=lambda i: str(i.get("CreationDate", "")))
            return str(newest["ImageId"]), "ubuntu"
        ssm = self._client("ssm", region)
        parameter = self._call("GetParameter", ssm.get_parameter, Name=AL2023_PARAMETER)
        return str(parameter["Parameter"]["Value"]), "ec2-user"

    def _ssh_user(self, ec2: Any, image_id: str | None) -> str:
        if not image_id:
            return "ubuntu"
        try:
            images = ec2.describe_images(ImageIds=[image_id]).get("Images", [])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            return "ubuntu"
        name = str(images[0].get("Name", "")).lower() if images else ""
        return "ec2-user" if ("amzn" in name or "al2023" in name or "amazon" in name) else "ubuntu"

    def _security_group(self, ec2: Any) -> str:
        found = self._call(
            "DescribeSecurityGroups",
            ec2.describe_security_groups,
            Filters=[{"Name": "group-name", "Values": [SECURITY_GROUP]}],
        ).get("SecurityGroups", [])
        if found:
            return str(found[0]["GroupId"])
        created = self._call(
            "CreateSecurityGroup",
            ec2.create_security_group,
            GroupName=SECURITY_GROUP,
            Description="GPUBroker bookings: SSH only",
        )
        group_id = str(created["GroupId"])
        self._call(
            "AuthorizeSecurityGroupIngress",
            ec2.authorize_security_group_ingress,
            GroupId=group_id,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        return group_id

    def _key_pair(self, ec2: Any, public_key: str) -> str:
        name = "gpubroker-" + hashlib.sha256(public_key.strip().encode()).hexdigest()[:16]
        try:
            ec2.describe_key_pairs(KeyNames=[name])
            return name
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "InvalidKeyPair.NotFound":
                raise _mapped(exc, "DescribeKeyPairs") from exc
        self._call("ImportKeyPair", ec2.import_key_pair, KeyName=name, PublicKeyMaterial=public_key.encode())
        return name

    def _observation(self, ec2: Any, instance: dict[str, Any]) -> Observation:
        state = str(instance.get("State", {}).get("Name", "pending"))
        status = STATUS.get(state, "pending")
        tags = {t.get("Key"): t.get("Value") for t in instance.get("Tags", [])}
        reason_code = str(instance.get("StateReason", {}).get("Code", ""))
        ended_by: EndedBy | None = None
        reason = None
        if status == "terminated":
            reason = str(instance.get("StateReason", {}).get("Message", "")) or "terminated"
            if "Spot" in reason_code or (
                instance.get("InstanceLifecycle") == "spot" and "UserInitiated" not in reason_code
            ):
                ended_by = "spot"
            elif "UserInitiated" in reason_code:
                ended_by = "us"
            else:
                ended_by = "provider"
        return Observation(
            ref=str(instance["InstanceId"]),
            status=status,
            booking_id=tags.get(TAG_KEY),
            public_ip=instance.get("PublicIpAddress"),
            ssh_user=self._ssh_user(ec2, instance.get("ImageId")) if status == "running" else None,
            ssh_port=22,
            ports=(Port(22, 22, "tcp"),),
            reason=reason,
            ended_by=ended_by,
        )
