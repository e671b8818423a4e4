"""The rows volume, tag and key pair events explain, worked out as the runtime writes them: a job's event
carries the documents it wrote (`volumes`, `tagrows`); a volume's or key pair's own stream carries its
deletion or registration. Pure: no I/O."""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.core import effects as fx
from chalicelib.core import events as ev
from chalicelib.core import keypairs as kp
from chalicelib.core import tags as tg
from chalicelib.core import volume as vols
from jobledger.audit.table import Table


def job_resource_effects(data: Mapping[str, Any], table: Table) -> list[fx.Effect]:
    """The volume and tag rows a job's event says it wrote, with the storage they take or give back."""
    changes = [(table.data("volume", str(v["id"])), v) for v in data.get("volumes") or ()]
    out = _volume_writes(changes, table) if changes else []
    for row in data.get("tagrows") or ():
        out += tg.tag_effects(table.data("tags", str(row["id"])), row)
    return out


def _volume_writes(changes: list[Any], table: Table) -> list[fx.Effect]:
    zones = {str(new["zoneid"]) for _, new in changes}
    return vols.writes_for(changes, {z: vols.capacity_of(table.data("zone", z)) for z in zones},
                           {z: vols.pools_of(table.data("zone", z)) for z in zones})


def resource_effects(e: ev.Event, table: Table) -> list[fx.Effect]:
    if e.type == ev.VOLUME_DELETED:
        volume = e.data["volume"]
        tags = [w for row in e.data.get("tagrows") or ()
                for w in tg.tag_effects(table.data("tags", str(row["id"])), row)]
        return [*_volume_writes([(table.data("volume", str(volume["id"])), volume)], table), *tags]
    if e.type == ev.SSH_KEYPAIR_REGISTERED:
        return kp.register_effects(e.data["keypair"])
    if e.type == ev.SSH_KEYPAIR_DELETED:
        return kp.delete_effects(e.data["keypair"])
    return []
