"""core/volume: which device a data disk attaches as."""
from __future__ import annotations

from chalicelib.core import volume as vols

ROOT = {"type": "ROOT", "deviceid": 0}


def disk(device: int) -> dict:
    return {"type": "DATADISK", "deviceid": device}


def test_device_refusals_follow_cloudstack():
    assert vols.device_refusal(None) is None and vols.device_refusal(1) is None and vols.device_refusal(15) is None
    assert "Root device" in (vols.device_refusal(0) or "")
    assert "CD-ROM" in (vols.device_refusal(3) or "")
    assert "1 ~ 15" in (vols.device_refusal(16) or "")


def test_the_wanted_device_when_free_else_the_lowest_free_one():
    assert vols.chosen_device([ROOT], None) == 1
    assert vols.chosen_device([ROOT, disk(1), disk(2)], None) == 4  # 3 is the CD-ROM's
    assert vols.chosen_device([ROOT, disk(1)], 7) == 7
    assert "already in use" in str(vols.chosen_device([ROOT, disk(7)], 7))
    full = [ROOT, *(disk(d) for d in (1, 2, 4, 5, 6, 7))]
    assert "maximum number of data disks" in str(vols.chosen_device(full, 9))
