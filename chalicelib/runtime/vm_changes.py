"""VM commands that change the VM's document in its turn without moving it: resetSSHKeyForVirtualMachine."""
from __future__ import annotations

from chalicelib.runtime.vm_run import Run


def reset_ssh_key(run: Run) -> None:
    """CloudStack resets the key of a stopped VM only; the key pair was checked on submission."""
    if run.vm["state"] != "Stopped":
        run.fail(431, f"vm id = {run.vm['id']} should be stopped to do SSH Key reset")
        return
    run.finish(dict(run.vm, keypair=(run.job.params or {}).get("keypair")), [])


VM_QUEUED = {"resetSSHKeyForVirtualMachine": reset_ssh_key}
