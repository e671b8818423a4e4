"""deleteUser (Ansible's cs_user state=absent): sync, `{"success": true}`; the user's key stops working when the
answer leaves, it leaves listUsers and its account's user list, its name is free again, and the log explains it
all (the audit replays `UserDeleted`). Who may not be deleted, and who may not delete, answer as CloudStack."""
from __future__ import annotations

from jobledger.audit import reader, report
from tests.integration.test_tenancy import UNAUTHORIZED, domain_admin, tenant


def user_of(cloud, keys: tuple[str, str]) -> dict:
    return cloud.call(as_=keys, command="listAccounts")[1]["listaccountsresponse"]["account"][0]["user"][0]


def test_a_deleted_users_key_stops_working_when_the_answer_leaves_and_its_name_is_free_again(cloud):
    harry = tenant(cloud, "harry")
    user = user_of(cloud, harry)
    second = cloud.ok(command="createUser", account="harry", username="harry-2", password="pw", email="h@x",
                      firstname="h", lastname="2")["user"]
    status, body = cloud.call(command="deleteUser", id=user["id"])
    assert (status, body) == (200, {"deleteuserresponse": {"success": True}})
    status, body = cloud.call(as_=harry, command="listZones")
    assert (status, body["listzonesresponse"]["errortext"]) == (401, UNAUTHORIZED)
    listed = cloud.ok(command="listUsers", listall="true")["user"]
    assert user["id"] not in [u["id"] for u in listed] and second["id"] in [u["id"] for u in listed]
    [account] = cloud.ok(command="listAccounts", name="harry")["account"]
    assert [u["id"] for u in account["user"]] == [second["id"]]
    assert cloud.call(command="deleteUser", id=user["id"])[0] == 431  # gone: as a missing one
    again = cloud.ok(command="createUser", account="harry", username="harry", password="pw", email="h@x",
                     firstname="h", lastname="h")["user"]
    assert again["id"] != user["id"]
    audited = report.audit(reader.read_log(), reader.read_state())
    assert audited.clean, [str(p) for p in [*audited.problems, *audited.divergences]]


def test_the_admin_user_and_the_callers_own_cannot_be_deleted_nor_can_a_user_delete(cloud):
    assert cloud.call(command="deleteUser", id="2")[0] == 431  # the bootstrap admin (the caller, too)
    ivy = tenant(cloud, "ivy")
    status, body = cloud.call(as_=ivy, command="deleteUser", id=user_of(cloud, ivy)["id"])
    assert status == 432  # a user account may not administer: as an unknown command
    boss_domain, boss = domain_admin(cloud, "F", "fboss")
    assert cloud.call(as_=boss, command="deleteUser", id=user_of(cloud, boss)["id"])[0] == 431  # itself
    assert cloud.call(as_=boss, command="deleteUser", id=user_of(cloud, ivy)["id"])[0] == 431  # outside F
    assert cloud.call(as_=boss, command="deleteUser", id="2")[0] == 431  # the root admin's
    assert cloud.call(as_=boss, command="deleteUser", id="nope")[0] == 431
    staff = tenant(cloud, "fstaff", domainid=boss_domain)
    assert cloud.call(as_=boss, command="deleteUser", id=user_of(cloud, staff)["id"])[0] == 200  # inside F
    assert cloud.call(as_=staff, command="listZones")[0] == 401
    assert cloud.call(command="listZones")[0] == 200
    assert report.audit(reader.read_log(), reader.read_state()).clean
