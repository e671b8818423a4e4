"""getVirtualMachineUserData: a VM's user data, read through the digest its document holds (core/userdata)."""
from __future__ import annotations

from typing import Any

from chalicelib.aws import statetable
from chalicelib.aws.directory import can_see
from chalicelib.cloudstack.request import ApiRequest, is_numeric_id
from chalicelib.core import userdata
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import ApiError, invalid_value


def get_virtual_machine_user_data(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """`virtualmachineuserdata` with `virtualmachineid` and, when the VM has user data, `userdata` (base64)."""
    vmid = req.require("virtualmachineid")
    row = statetable.get("vm", vmid) if is_numeric_id(vmid) else None
    if row is None or not can_see(caller, row.as_dict()) or row.as_dict().get("state") == "Expunging":
        # another account's VM, or an expunged one, reads as a missing one
        raise invalid_value(req.command, "virtualmachineid", vmid)
    answer: dict[str, Any] = {"virtualmachineid": vmid}
    digest = row.as_dict().get("userdatadigest")
    if digest:
        stored = statetable.get(userdata.KIND, str(digest))
        encoded = (stored.as_dict() if stored is not None else {}).get("userdata")
        if not userdata.row_matches(str(digest), encoded):
            # a stack rebuilt from its log: the log holds the digest, never the bytes
            raise ApiError(530, f"The user data of virtual machine id = {vmid} is not available")
        answer["userdata"] = encoded
    return {"virtualmachineuserdata": answer}
