"""Lists servers, disks and networks through the client openapi-python-client generated from
docs/openapi.json (the package `strato_client` on PYTHONPATH), as the system admin.

Usage: generated_client.py URL, with the admin's token in STRATO_TOKEN. Prints one line of
counts; any untyped or empty answer fails with an assertion.
"""

import os
import sys
from uuid import UUID

from strato_client import AuthenticatedClient
from strato_client.api.resources import list_disk, list_network, list_server, show_server
from strato_client.models import DiskList, DiskView, NetworkList, NetworkView, Scope, ServerList, ServerView
from strato_client.types import Unset


def main() -> None:
    client = AuthenticatedClient(base_url=sys.argv[1], token=os.environ["STRATO_TOKEN"], raise_on_unexpected_status=True)

    servers = list_server.sync(client=client, scope=Scope.SYSTEM, limit=100)
    assert isinstance(servers, ServerList), servers
    assert servers.servers, "no servers listed"
    for server in servers.servers:
        assert isinstance(server, ServerView), server
        assert isinstance(server.id, UUID) and isinstance(server.cpu, int) and isinstance(server.memory_mb, int), server
        assert all(isinstance(disk.disk_id, UUID) for disk in server.disks), server.disks

    disks = list_disk.sync(client=client, scope=Scope.SYSTEM, limit=100)
    assert isinstance(disks, DiskList), disks
    assert disks.disks, "no disks listed"
    for disk in disks.disks:
        assert isinstance(disk, DiskView) and isinstance(disk.size_gb, int), disk

    networks = list_network.sync(client=client, scope=Scope.SYSTEM, limit=100)
    assert isinstance(networks, NetworkList), networks
    assert networks.networks, "no networks listed"
    for network in networks.networks:
        assert isinstance(network, NetworkView) and isinstance(network.vpc_id, UUID), network
        assert isinstance(network.cidr_block, str), network

    shown = show_server.sync(client=client, id=str(servers.servers[0].id), details=True)
    assert isinstance(shown, ServerView) and shown.id == servers.servers[0].id, shown
    assert isinstance(shown.cloudaccount, str) and not isinstance(shown.cloudaccount, Unset), shown

    print(f"servers {len(servers.servers)}, disks {len(disks.disks)}, networks {len(networks.networks)}")


if __name__ == "__main__":
    main()
