from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.port_out import PortOut


T = TypeVar("T", bound="ConnectionOut")


@_attrs_define
class ConnectionOut:
    """
    Attributes:
        public_ip (str):
        ssh_user (str):
        ssh_port (int):
        ssh_command (str): the command that opens a shell on the instance with your key
        ports (list[PortOut]):
    """

    public_ip: str
    ssh_user: str
    ssh_port: int
    ssh_command: str
    ports: list[PortOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        public_ip = self.public_ip

        ssh_user = self.ssh_user

        ssh_port = self.ssh_port

        ssh_command = self.ssh_command

        ports = []
        for ports_item_data in self.ports:
            ports_item = ports_item_data.to_dict()
            ports.append(ports_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "public_ip": public_ip,
                "ssh_user": ssh_user,
                "ssh_port": ssh_port,
                "ssh_command": ssh_command,
                "ports": ports,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.port_out import PortOut  # noqa: PLC0415

        d = dict(src_dict)
        public_ip = d.pop("public_ip")

        ssh_user = d.pop("ssh_user")

        ssh_port = d.pop("ssh_port")

        ssh_command = d.pop("ssh_command")

        ports = []
        _ports = d.pop("ports")
        for ports_item_data in _ports:
            ports_item = PortOut.from_dict(ports_item_data)

            ports.append(ports_item)

        connection_out = cls(
            public_ip=public_ip,
            ssh_user=ssh_user,
            ssh_port=ssh_port,
            ssh_command=ssh_command,
            ports=ports,
        )

        connection_out.additional_properties = d
        return connection_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
