"""Real CloudStack clients, unchanged, against the local stack: Apache Libcloud and `cs` (library and CLI)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cs import CloudStack, CloudStackApiException
from libcloud.compute.drivers.cloudstack import CloudStackNodeDriver
from libcloud.compute.types import NodeState

from tests.e2e.conftest import ADMIN_KEY, ADMIN_SECRET


@pytest.fixture
def libcloud(stack) -> CloudStackNodeDriver:
    return CloudStackNodeDriver(key=ADMIN_KEY, secret=ADMIN_SECRET, url=stack.url, secure=False)


@pytest.fixture
def cs(stack) -> CloudStack:
    return CloudStack(endpoint=stack.url, key=ADMIN_KEY, secret=ADMIN_SECRET, fetch_result=True, poll_interval=0.2)


def test_libcloud_runs_a_vm_lifecycle(libcloud):
    [location] = libcloud.list_locations()
    assert (location.id, location.name) == ("1", "San Jose 1")
    small = next(s for s in libcloud.list_sizes() if s.name == "Small Instance")
    assert (small.id, small.ram) == ("1", 512)
    [image] = libcloud.list_images()
    assert image.name == "CentOS 5.3 64bit LAMP"
    node = libcloud.create_node(name="web-1", size=small, image=image, location=location)
    assert node.name == "web-1" and node.state == NodeState.STOPPED  # libcloud sends startvm=False
    assert node.private_ips and node.private_ips[0].startswith("10.1.1.")
    [listed] = libcloud.list_nodes()
    assert (listed.id, listed.state) == (node.id, NodeState.STOPPED)
    libcloud.ex_start(node)
    assert libcloud.list_nodes()[0].state == NodeState.RUNNING
    assert libcloud.reboot_node(node) is True
    assert libcloud.destroy_node(node) is True
    assert libcloud.list_nodes()[0].state == NodeState.TERMINATED


def test_libcloud_raises_our_error_text_when_capacity_runs_out(libcloud):
    [location] = libcloud.list_locations()
    small = next(s for s in libcloud.list_sizes() if s.name == "Small Instance")
    [image] = libcloud.list_images()
    for i in range(5):
        libcloud.create_node(name=f"n{i}", size=small, image=image, location=location, ex_start_vm=True)
    with pytest.raises(Exception, match=r"Unable to deploy virtual machine id = 105 due to not enough capacity"):
        libcloud.create_node(name="n5", size=small, image=image, location=location, ex_start_vm=True)


def test_cs_deploys_and_waits_for_the_result(cs):
    result = cs.deployVirtualMachine(zoneid="1", serviceofferingid="1", templateid="1", name="app-1")
    vm = result["virtualmachine"]
    assert (vm["id"], vm["name"], vm["state"]) == ("100", "app-1", "Running")
    listed = cs.listVirtualMachines(fetch_result=False)
    assert listed["count"] == 1
    stopped = cs.stopVirtualMachine(id="100")
    assert stopped["virtualmachine"]["state"] == "Stopped"


def test_cs_raises_job_failure_with_our_error_text(cs):
    for _ in range(5):
        cs.deployVirtualMachine(zoneid="1", serviceofferingid="1", templateid="1")
    with pytest.raises(CloudStackApiException) as caught:
        cs.deployVirtualMachine(zoneid="1", serviceofferingid="1", templateid="1")
    assert caught.value.error == {"errorcode": 551,
                                  "errortext": "Unable to deploy virtual machine id = 105 due to not enough capacity"}


def test_cs_raises_on_a_parameter_error(cs):
    with pytest.raises(CloudStackApiException) as caught:
        cs.deployVirtualMachine(serviceofferingid="1", templateid="1")
    assert caught.value.error["errorcode"] == 431
    assert caught.value.error["errortext"].endswith("due to missing parameter zoneid")


def test_the_cs_command_line_deploys_with_environment_credentials(stack):
    env = {**os.environ, "CLOUDSTACK_ENDPOINT": stack.url, "CLOUDSTACK_KEY": ADMIN_KEY,
           "CLOUDSTACK_SECRET": ADMIN_SECRET}
    cli = str(Path(sys.executable).with_name("cs"))
    done = subprocess.run([cli, "deployVirtualMachine", "zoneid=1", "serviceofferingid=1", "templateid=1"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["virtualmachine"]["state"] == "Running"
    listed = subprocess.run([cli, "listZones"], env=env, capture_output=True, text=True, timeout=30)
    assert json.loads(listed.stdout)["zone"][0]["name"] == "San Jose 1"
