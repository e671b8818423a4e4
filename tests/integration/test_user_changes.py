"""deleteUser (Ansible's cs_user state=absent) and updateUser (cs_user on an existing user). deleteUser: sync,
`{"success": true}`; the user's key stops working when the answer leaves, it leaves listUsers and its account's
user list, its name is free again, and the log explains it all (the audit replays `UserDeleted`). Who may not be
deleted, and who may not delete or update, answer as CloudStack."""
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


def test_update_user_changes_names_and_details_moves_the_username_and_keeps_the_key(cloud):
    """updateUser (Ansible's cs_user on an existing user): sync, the user as it is now; a new username frees the
    old one and follows into the key row (the key keeps working); a taken one is 431 and changes nothing; a new
    password is stored hashed and never logged; the same values again write nothing."""
    from chalicelib.aws import eventlog, statetable

    jack = tenant(cloud, "jack")
    user = user_of(cloud, jack)
    cloud.ok(command="createUser", account="jack", username="jill", password="pw", email="j@x", firstname="j",
             lastname="j")
    hashed_before = statetable.get("user", user["id"]).as_dict()["password"]
    status, body = cloud.call(command="updateUser", id=user["id"], email="jack@example.com", firstname="Jack",
                              username="jack-2", password="a-new-password", timezone="Europe/Paris")
    assert status == 200, body
    updated = body["updateuserresponse"]["user"]
    assert (updated["username"], updated["email"], updated["firstname"]) == ("jack-2", "jack@example.com", "Jack")
    assert "password" not in updated
    assert cloud.call(as_=jack, command="listZones")[0] == 200  # the key follows the rename
    assert statetable.get("apikey", jack[0]).as_dict()["username"] == "jack-2"
    row = statetable.get("user", user["id"]).as_dict()
    assert row["password"].startswith("pbkdf2_sha256$") and row["password"] != hashed_before
    logged = eventlog.load_stream(f"user#{user['id']}")[-1]
    assert (logged.type, logged.data["password"]) == ("UserUpdated", "changed")
    assert "a-new-password" not in str(logged.data)
    # the old name is free again; a taken one is refused and nothing changes
    assert cloud.call(command="createUser", account="jack", username="jack", password="pw", email="x@x",
                      firstname="x", lastname="x")[0] == 200
    status, body = cloud.call(command="updateUser", id=user["id"], username="JILL", email="other@example.com")
    assert status == 431 and "already exists" in body["updateuserresponse"]["errortext"]
    assert statetable.get("user", user["id"]).as_dict()["email"] == "jack@example.com"
    events_before = len(eventlog.load_stream(f"user#{user['id']}"))
    assert cloud.call(command="updateUser", id=user["id"], email="jack@example.com")[0] == 200
    assert len(eventlog.load_stream(f"user#{user['id']}")) == events_before  # nothing changed, nothing written
    audited = report.audit(reader.read_log(), reader.read_state())
    assert audited.clean, [str(p) for p in [*audited.problems, *audited.divergences]]


def test_update_user_is_for_admins_within_their_domain(cloud):
    kim = tenant(cloud, "kim")
    assert cloud.call(as_=kim, command="updateUser", id=user_of(cloud, kim)["id"], email="k@x")[0] == 432
    _, boss = domain_admin(cloud, "G", "gboss")
    assert cloud.call(as_=boss, command="updateUser", id=user_of(cloud, kim)["id"], email="k@x")[0] == 431
    assert cloud.call(as_=boss, command="updateUser", id="2", email="root@x")[0] == 431
    assert cloud.call(command="updateUser", id=user_of(cloud, kim)["id"], email="a/b@x")[0] == 200
    assert cloud.call(command="updateUser", id=user_of(cloud, kim)["id"], username="a/b")[0] == 431
