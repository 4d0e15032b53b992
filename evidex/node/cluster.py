"""A small Elasticsearch cluster on loopback: several local nodes (one home each) that discover each other.

For trying a cluster on one machine and for its tests; production points ``EVIDEX_ES_URL`` at a real cluster.
Each member is a :class:`LocalNode` under its own ``es_dir`` with its own HTTP port and a fixed transport port,
``discovery.seed_hosts`` naming every member's transport port and ``cluster.initial_master_nodes`` every member's
name. The members share the first one's service user (the file realm is per node), so one client reaches all.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
import time
from dataclasses import dataclass, field
from pathlib import Path

from evidex.node.local import LocalNode, NodeError, _free_port
from evidex.node.security import add_realm_user, realm_has_user
from evidex.settings import Settings


@dataclass
class LocalCluster:
    """``size`` nodes under ``base/node-<i>``; ``settings()`` is what reaches all of them."""

    base: Path
    template: Settings
    size: int = 2
    nodes: list[LocalNode] = field(default_factory=list)

    def _members(self) -> list[LocalNode]:
        peers = tuple((f"evidex-{i + 1}", _free_port()) for i in range(self.size))
        members = []
        for i, (name, transport) in enumerate(peers):
            own = self.template.model_copy(update={"es_dir": self.base / f"node-{i + 1}", "es_url": "",
                                                   "es_local_port": _free_port()})
            members.append(LocalNode(own, name=name, transport_port=transport, peers=peers))
        return members

    def start(self, timeout_s: float = 300.0) -> "LocalCluster":
        """Start every member, then wait until the cluster answers with all of them."""
        self.nodes = self._members()
        first = self.nodes[0]
        first.prepare()
        first._ensure_service_user()
        creds = first.credentials()
        for node in self.nodes[1:]:  # the first one's service user in every member's file realm
            node.prepare()
            if node.credentials() != creds or not realm_has_user(node.home / "config", creds.username):
                shutil.copy2(first.base / "credentials.json", node.base / "credentials.json")
                add_realm_user(node.home, node._tool_env(), creds)
        with ThreadPoolExecutor(self.size) as pool:  # together: a member's start waits a while for the others
            list(pool.map(lambda node: node.start(wait=False), self.nodes))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            probe = first.probe()
            if probe.health in ("green", "yellow") and self.node_count() == self.size:
                return self
            if any(node.pid() is None for node in self.nodes):
                break
            time.sleep(2.0)
        raise NodeError(f"the {self.size}-node cluster did not form within {timeout_s:g} s:\n"
                        + "\n".join(node.log_tail(25) for node in self.nodes))

    def node_count(self) -> int:
        creds = self.nodes[0].credentials()
        try:
            code, body = self.nodes[0]._get("/_cluster/health", creds, 5.0)
        except OSError:
            return 0
        return int(body.get("number_of_nodes", 0)) if code == 200 else 0

    def settings(self) -> Settings:
        """Settings whose client reaches every member (``es_url`` lists them; the first one's service user)."""
        creds = self.nodes[0].credentials()
        assert creds is not None
        return self.template.model_copy(update={
            "es_url": ",".join(node.url for node in self.nodes), "es_username": creds.username,
            "es_password": creds.password})

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
