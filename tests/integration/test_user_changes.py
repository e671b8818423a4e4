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


# Races: the other request commits between this one's reads and its commit (the first commit after the hook is
# this request's; the other request's own commits go through).

def during_next_commit(monkeypatch, action) -> list[int]:
    from chalicelib.aws import eventlog

    original, fired = eventlog.commit, []

    def hooked(events, effects=()):
        if not fired:
            fired.append(1)
            action()
        return original(events, effects)

    monkeypatch.setattr(eventlog, "commit", hooked)
    return fired


def clean() -> None:
    audited = report.audit(reader.read_log(), reader.read_state())
    assert audited.clean, [str(p) for p in [*audited.problems, *audited.divergences]]


def test_a_rename_racing_a_deletion_does_not_bring_the_user_or_its_key_back(cloud, monkeypatch):
    lena = tenant(cloud, "lena")
    user = user_of(cloud, lena)
    fired = during_next_commit(monkeypatch, lambda: cloud.ok(command="deleteUser", id=user["id"]))
    status, _ = cloud.call(command="updateUser", id=user["id"], username="lena-2", email="l@x")
    assert fired and status == 431  # decided again from the fresh row: the user is gone
    assert cloud.call(as_=lena, command="listZones")[0] == 401
    assert "lena-2" not in [u["username"] for u in cloud.ok(command="listUsers", listall="true")["user"]]
    clean()


def test_a_change_racing_the_accounts_deletion_does_not_relist_the_user(cloud, monkeypatch):
    mona = tenant(cloud, "mona")
    user = user_of(cloud, mona)
    fired = during_next_commit(monkeypatch, lambda: cloud.ok(command="deleteAccount", id=user["accountid"]))
    assert cloud.call(command="updateUser", id=user["id"], email="m@example.com")[0] == 431 and fired
    assert cloud.call(as_=mona, command="listZones")[0] == 401
    assert user["id"] not in [u["id"] for u in cloud.ok(command="listUsers", listall="true")["user"]]
    clean()


def test_an_accounts_deletion_racing_a_rename_frees_the_new_name(cloud, monkeypatch):
    nina = tenant(cloud, "nina")
    user = user_of(cloud, nina)
    fired = during_next_commit(monkeypatch, lambda: cloud.ok(command="updateUser", id=user["id"], username="fresh"))
    assert cloud.call(command="deleteAccount", id=user["accountid"])[0] == 200 and fired
    for name in ("fresh", "nina"):  # both names free: the deletion was decided again from the renamed user
        assert cloud.call(command="createAccount", username=name, password="pw", email="x@x", firstname="x",
                          lastname="x", accounttype="0")[0] == 200, name
    clean()


def test_an_accounts_deletion_racing_a_user_deletion_frees_no_one_elses_name(cloud, monkeypatch):
    olga = tenant(cloud, "olga")
    user = user_of(cloud, olga)
    tenant(cloud, "other")

    def delete_and_take_the_name() -> None:
        cloud.ok(command="deleteUser", id=user["id"])
        cloud.ok(command="createUser", account="other", username="OLGA", password="pw", email="o@x",
                 firstname="o", lastname="o")

    fired = during_next_commit(monkeypatch, delete_and_take_the_name)
    assert cloud.call(command="deleteAccount", id=user["accountid"])[0] == 200 and fired
    status, _ = cloud.call(command="createUser", account="other", username="olga", password="pw", email="o@x",
                           firstname="o", lastname="o")
    assert status == 431  # still held by the other account's OLGA
    clean()


def test_two_updates_racing_keep_both_changes(cloud, monkeypatch):
    pia = tenant(cloud, "pia")
    user = user_of(cloud, pia)
    fired = during_next_commit(monkeypatch, lambda: cloud.ok(command="updateUser", id=user["id"], firstname="P"))
    assert cloud.call(command="updateUser", id=user["id"], email="p@example.com")[0] == 200 and fired
    [shown] = [u for u in cloud.ok(command="listUsers", listall="true")["user"] if u["id"] == user["id"]]
    assert (shown["firstname"], shown["email"]) == ("P", "p@example.com")  # no lost update
    clean()


def test_an_admin_renames_and_enables_itself_with_its_own_signed_key(cloud):
    status, body = cloud.call(command="updateUser", id="2", username="root")
    assert status == 200 and body["updateuserresponse"]["user"]["username"] == "root"
    assert cloud.call(command="enableUser", id="2")[0] == 200
    assert cloud.call(command="listZones")[0] == 200
    _, boss = domain_admin(cloud, "H", "hboss")
    assert cloud.call(as_=boss, command="updateUser", id=user_of(cloud, boss)["id"], username="hboss-2")[0] == 200
    assert cloud.call(as_=boss, command="listZones")[0] == 200
    clean()


def test_names_that_would_look_like_another_are_refused(cloud):
    """Usernames, account and domain names identify who acts: no bidi or zero-width characters, no whitespace at
    either end, not only whitespace; names in other scripts are fine."""
    qing = tenant(cloud, "qing")
    userid = user_of(cloud, qing)["id"]
    for name in ("\u200eadmin", "ad\u200bmin", " admin", "admin ", " ", "a\u2028b", "x\u202ey"):
        assert cloud.call(command="updateUser", id=userid, username=name)[0] == 431, repr(name)
        assert cloud.call(command="createAccount", username=name, password="pw", email="e@x", firstname="f",
                          lastname="l", accounttype="0")[0] == 431, repr(name)
        assert cloud.call(command="createDomain", name=name)[0] == 431, repr(name)
    assert cloud.call(command="updateUser", id=userid, username="Zoë 王")[0] == 200
    assert cloud.call(command="updateUser", id=userid, firstname="\u200eRTL-marked first name")[0] == 200
    clean()
