"""Ansible's cloudstack collection (ngine_io.cloudstack 2.5.0), unchanged, run by `ansible-playbook` against the
local stack: zone info, a registered key pair, a VM's lifecycle with ssh_key, user_data, tags and a network, its
info with its volumes, a data volume created and attached, a change of service offering (stop, the sync
changeServiceForVirtualMachine, start), an account created; then the log replays clean.

Fails when Ansible cannot run; skips only when the collection cannot be fetched because the registry is
unreachable (see tests/e2e/ansible_collection.py).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.ansible_collection import RegistryUnreachable, collections_path
from tests.e2e.conftest import ADMIN_KEY, ADMIN_SECRET, ROOT, Stack
from tests.e2e.test_audit import audit

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    vm: &vm
      name: web-1
      zone: San Jose 1
      template: CentOS 5.3 64bit LAMP
      service_offering: Small Instance
      ssh_key: deployer
      networks: [guest]
      tags: [{key: role, value: web}]
      user_data: "#cloud-config\\nruncmd: [echo hello]\\n"
  tasks:
    - ngine_io.cloudstack.cs_zone_info: {zone: San Jose 1}
      register: zones
    - ngine_io.cloudstack.cs_sshkeypair: {name: deployer, public_key: "{{ public_key }}"}
      register: keypair
    - ngine_io.cloudstack.cs_instance: *vm
      register: created
    - ngine_io.cloudstack.cs_instance: *vm
      register: again
    - ngine_io.cloudstack.cs_instance: {name: web-1, zone: San Jose 1, state: stopped}
      register: stopped
    - ngine_io.cloudstack.cs_instance: {name: web-1, zone: San Jose 1, state: started}
      register: started
    - ngine_io.cloudstack.cs_instance:
        <<: *vm
        service_offering: Medium Instance
        force: true
      register: scaled
    - ngine_io.cloudstack.cs_volume: {name: data-1, zone: San Jose 1, disk_offering: Small, vm: web-1,
                                      state: attached}
      register: volume
    - ngine_io.cloudstack.cs_instance_info: {name: web-1}
      register: info
    - ngine_io.cloudstack.cs_account:
        name: team-a
        username: team-a-admin
        password: a-long-password
        first_name: Team
        last_name: A
        email: team-a@example.com
        domain: ROOT
        account_type: user
      register: account
    - ngine_io.cloudstack.cs_user: &user
        username: team-a-deployer
        account: team-a
        password: another-long-password
        first_name: Deploy
        last_name: Er
        email: deployer@example.com
      register: user
    - ngine_io.cloudstack.cs_user:
        <<: *user
        email: ops@example.com
      register: user_updated
    - ngine_io.cloudstack.cs_user: {username: team-a-deployer, state: absent}
      register: user_gone
    - ngine_io.cloudstack.cs_user: {username: team-a-deployer, state: absent}
      register: user_gone_again
    - ngine_io.cloudstack.cs_instance: {name: web-1, zone: San Jose 1, state: expunged}
      register: expunged
    - ansible.builtin.copy:
        dest: "{{ results_file }}"
        content: "{{ {'zones': zones, 'keypair': keypair, 'created': created, 'again': again, 'stopped': stopped,
                      'started': started, 'scaled': scaled, 'volume': volume, 'info': info, 'account': account,
                      'user': user, 'user_updated': user_updated, 'user_gone': user_gone,
                      'user_gone_again': user_gone_again,
                      'expunged': expunged} | to_json }}"
"""


@pytest.fixture
def collections() -> Path:
    try:
        return collections_path()
    except RegistryUnreachable as exc:
        pytest.skip(str(exc))


def test_ansible_cloudstack_collection_drives_the_local_stack(stack: Stack, collections: Path, tmp_path: Path):
    public_key = _public_key()
    results = _play(stack, collections, tmp_path, public_key)
    assert results["zones"]["zones"][0]["name"] == "San Jose 1"
    assert results["keypair"]["changed"] and results["keypair"]["fingerprint"] == _md5_colon(public_key)
    created = results["created"]
    assert created["changed"] and (created["state"], created["ssh_key"]) == ("Running", "deployer")
    assert created["tags"] == [{"key": "role", "value": "web"}]
    assert created["default_ip"].startswith("10.1.1.")
    assert not results["again"]["changed"]  # the same description (user data included) changes nothing
    assert (results["stopped"]["state"], results["started"]["state"]) == ("Stopped", "Running")
    scaled = results["scaled"]
    assert scaled["changed"] and (scaled["service_offering"], scaled["state"]) == ("Medium Instance", "Running")
    volume = results["volume"]
    assert volume["changed"] and (volume["vm"], volume["type"], volume["size"]) == ("web-1", "DATADISK", 5 << 30)
    [instance] = results["info"]["instances"]
    assert sorted(v["type"] for v in instance["volumes"]) == ["DATADISK", "ROOT"]
    assert results["account"]["changed"] and results["account"]["account_type"] == "user"
    assert results["user"]["changed"] and results["user"]["account"] == "team-a"
    updated = results["user_updated"]
    assert updated["changed"] and updated["email"] == "ops@example.com"  # updateUser
    assert results["user_gone"]["changed"] and not results["user_gone_again"]["changed"]  # deleteUser, then none
    assert results["expunged"]["changed"]
    _check_the_stack_after(stack)


def _check_the_stack_after(stack: Stack) -> None:
    status, body = stack.json(command="listVirtualMachines", listall="true")
    [vm] = body["listvirtualmachinesresponse"]["virtualmachine"]
    assert vm["state"] == "Expunging"
    # while the VM lived, `again` read its user data back unchanged (getVirtualMachineUserData); expunged, it
    # reads as missing
    status, body = stack.json(command="getVirtualMachineUserData", virtualmachineid=vm["id"])
    assert status == 431
    status, body = stack.json(command="listVolumes", name="data-1")
    [data] = body["listvolumesresponse"]["volume"]
    assert "virtualmachineid" not in data  # expunging the VM detached its data disk
    status, body = stack.json(command="listAccounts", name="team-a")
    assert [a["name"] for a in body["listaccountsresponse"]["account"]] == ["team-a"]
    assert [u["username"] for u in body["listaccountsresponse"]["account"][0]["user"]] == ["team-a-admin"]
    done = audit(stack, "replay")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("clean: ")


def _play(stack: Stack, collections: Path, tmp_path: Path, public_key: str) -> dict[str, Any]:
    playbook, results_file = tmp_path / "playbook.yml", tmp_path / "results.json"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    env = {**os.environ, "CLOUDSTACK_ENDPOINT": stack.url, "CLOUDSTACK_KEY": ADMIN_KEY,
           "CLOUDSTACK_SECRET": ADMIN_SECRET, "CLOUDSTACK_TIMEOUT": "20", "ANSIBLE_COLLECTIONS_PATH": str(collections),
           "ANSIBLE_HOME": str(tmp_path / "ansible-home"), "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "0"}
    extra = {"ansible_python_interpreter": sys.executable, "public_key": public_key,
             "results_file": str(results_file)}
    done = subprocess.run([sys.executable, "-m", "ansible", "playbook", "-i", "localhost,", "-e", json.dumps(extra),
                           str(playbook)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:] + "".join(stack.output[-40:])
    return dict(json.loads(results_file.read_text(encoding="utf-8")))


def _public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode() + " deployer@e2e"


def _md5_colon(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))
