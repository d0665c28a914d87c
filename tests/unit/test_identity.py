"""Who is a maintainer when sign-in is configured: the groups claim in its list and string forms,
the name shown, and the sign-in settings as read from the environment."""
from __future__ import annotations

import pytest

from core.config import load_settings
from core.errors import ConfigError
from ui.identity import Identity, groups_in, identity_from, maintains


def test_groups_claim_as_a_list_or_a_separated_string():
    assert groups_in(["staff", "benefits-maintainers"]) == {"staff", "benefits-maintainers"}
    assert groups_in("staff benefits-maintainers") == {"staff", "benefits-maintainers"}
    assert groups_in("staff,benefits-maintainers, hr") == {"staff", "benefits-maintainers", "hr"}
    assert groups_in(" ") == frozenset()


def test_anything_else_in_the_groups_claim_holds_no_group():
    assert groups_in(None) == frozenset()
    assert groups_in(7) == frozenset()
    assert groups_in({"benefits-maintainers": True}) == frozenset()
    assert groups_in(["staff", 3, None]) == {"staff"}  # only the names among the items


def test_a_maintainer_is_a_member_of_the_configured_group_and_only_that():
    member = identity_from({"sub": "u1", "name": "Maria", "groups": ["staff", "benefits-maintainers"]}, "groups")
    assert maintains(member, "benefits-maintainers")
    assert not maintains(member, "benefits")  # a whole group name, not a part of one
    assert not maintains(member, "")  # no group configured: nobody
    other = identity_from({"sub": "u2", "name": "Sam", "groups": "staff"}, "groups")
    assert not maintains(other, "benefits-maintainers")


def test_the_configured_claim_is_read_not_groups():
    claims = {"sub": "u1", "groups": ["benefits-maintainers"], "roles": ["staff"]}
    assert identity_from(claims, "roles") == Identity("u1", frozenset({"staff"}))


def test_the_name_shown_falls_back_to_email_then_user_name_then_subject():
    assert identity_from({"sub": "u1", "name": "Maria Okafor", "email": "m@x"}, "groups").name == "Maria Okafor"
    assert identity_from({"sub": "u1", "name": " ", "email": "m@x"}, "groups").name == "m@x"
    assert identity_from({"sub": "u1", "preferred_username": "mokafor"}, "groups").name == "mokafor"
    assert identity_from({"sub": "u1"}, "groups").name == "u1"


def test_sign_in_settings_from_the_environment():
    defaults = load_settings({})
    assert (defaults.auth_required, defaults.groups_claim, defaults.maintainer_group) == (False, "groups", "")
    settings = load_settings({"BENEFITS_QA_AUTH_REQUIRED": "true", "BENEFITS_QA_GROUPS_CLAIM": "roles",
                              "BENEFITS_QA_MAINTAINER_GROUP": "benefits-maintainers"})
    assert (settings.auth_required, settings.groups_claim, settings.maintainer_group) == (True, "roles",
                                                                                          "benefits-maintainers")
    assert load_settings({"BENEFITS_QA_AUTH_REQUIRED": "0"}).auth_required is False
    with pytest.raises(ConfigError, match="BENEFITS_QA_AUTH_REQUIRED"):
        load_settings({"BENEFITS_QA_AUTH_REQUIRED": "maybe"})
