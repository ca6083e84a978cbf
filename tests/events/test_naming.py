"""The naming grammar: bad names rejected with the broken part and a fix; near-duplicates caught."""

from __future__ import annotations

import pytest

from loam.config import EventNamingSettings
from loam.events import NameIndex, check_name, check_param_name
from loam.events.naming import render_name, split_words

OPEN = EventNamingSettings()  # default verbs; any object and service
REGISTERED = EventNamingSettings(
    objects=["item", "chat", "profile", "keyword", "item_detail", "banner"],
    services=["home", "search", "chat", "mypage", "item_detail"],
)


@pytest.mark.parametrize(
    "name",
    [
        "click_item_home",
        "view_item_home",
        "search_keyword_search",
        "chat_seller_chat",
        "impression_banner_home",
        "view_item_detail_home",
        "click_item_item_detail",
    ],
)
def test_good_names_pass(name: str) -> None:
    report = check_name(name, OPEN)
    assert report.valid, report.problems
    assert report.parts is not None and report.parts["action"] == name.split("_")[0]


@pytest.mark.parametrize(
    ("name", "part", "suggestion"),
    [
        ("item_click_home", "order", "click_item_home"),
        ("home_item_click", "order", "click_home_item"),
        ("item_veiw_home", "order", "view_item_home"),
        ("Click_Item_Home", "casing", "click_item_home"),
        ("clickItemHome", "casing", "click_item_home"),
        ("CLICK_ITEM_HOME", "casing", "click_item_home"),
        ("click-item-home", "separator", "click_item_home"),
        ("click item home", "separator", "click_item_home"),
        ("click.item.home", "separator", "click_item_home"),
        ("click__item_home", "separator", "click_item_home"),
        ("_click_item_home", "separator", "click_item_home"),
        ("click_item_home_", "separator", "click_item_home"),
        ("clik_item_home", "action", "click_item_home"),
        ("clicked_item_home", "action", "click_item_home"),
        ("tap_item_home", "action", "click_item_home"),
        ("serach_keyword_search", "action", "search_keyword_search"),
        ("viewd_item_home", "action", "view_item_home"),
        ("purchse_item_home", "action", "purchase_item_home"),
        ("click_item", "structure", None),
        ("click", "structure", None),
        ("xyzzy_item_home", "action", None),
        ("1click_item_home", "action", "click_item_home"),
        ("클릭_item_home", "characters", None),
        ("click_item_hóme", "characters", None),
        ("", "name", None),
        ("click_item_" + "x" * 80, "length", None),
    ],
)
def test_bad_names_name_the_part_and_suggest(name: str, part: str, suggestion: str | None) -> None:
    report = check_name(name, OPEN)
    assert not report.valid
    assert part in [p.part for p in report.problems], report.problems
    assert report.suggestion == suggestion
    assert all(p.message for p in report.problems)


@pytest.mark.parametrize(
    ("name", "part", "suggestion"),
    [
        ("click_itme_home", "object", "click_item_home"),
        ("click_items_home", "object", "click_item_home"),
        ("click_item_hoem", "service", "click_item_home"),
        ("click_item_feed", "service", None),
        ("click_goods_home", "object", None),
        ("view_profle_mypage", "object", "view_profile_mypage"),
        ("viewitemhome", "separator", "view_item_home"),
    ],
)
def test_registered_objects_and_services(name: str, part: str, suggestion: str | None) -> None:
    report = check_name(name, REGISTERED)
    assert [p.part for p in report.problems] == [part]
    assert report.suggestion == suggestion
    if suggestion is None:
        assert "registered" in report.problems[0].message  # lists what is allowed


def test_a_messages_names_the_broken_word() -> None:
    problem = check_name("clik_item_home", OPEN).problems[0]
    assert problem.where == "name.action"
    assert "'clik'" in problem.message and "'click'" in problem.message
    assert problem.suggestion == "click"


def test_other_casings_and_separators() -> None:
    camel = EventNamingSettings(casing="camel", separator="")
    assert check_name("clickItemHome", camel).valid
    assert check_name("click_item_home", camel).suggestion == "clickItemHome"
    kebab = EventNamingSettings(separator="-")
    assert check_name("click-item-home", kebab).valid
    assert check_name("click_item_home", kebab).problems[0].part == "separator"
    assert (
        render_name(["click", "item", "home"], EventNamingSettings(casing="pascal", separator=""))
        == "ClickItemHome"
    )
    assert split_words("HTTPRequest_sentAt") == ["http", "request", "sent", "at"]


EXISTING = [
    "click_item_home",
    "view_item_home",
    "search_keyword_search",
    "chat_seller_chat",
    "impression_banner_home",
    "view_ad_home",
]


@pytest.mark.parametrize(
    ("name", "existing", "kind"),
    [
        ("item_click_home", "click_item_home", "reordered"),
        ("home_item_click", "click_item_home", "reordered"),
        ("Click_Item_Home", "click_item_home", "case_or_separator"),
        ("CLICK-ITEM-HOME", "click_item_home", "case_or_separator"),
        ("clickItemHome", "click_item_home", "case_or_separator"),
        ("clickitem_home", "click_item_home", "case_or_separator"),
        ("click_itme_home", "click_item_home", "close_spelling"),
        ("clik_item_home", "click_item_home", "close_spelling"),
        ("click_items_home", "click_item_home", "close_spelling"),
        ("click_item_hme", "click_item_home", "close_spelling"),
        ("item_clik_home", "click_item_home", "close_spelling"),
        ("serach_keyword_search", "search_keyword_search", "close_spelling"),
        ("chat_seller_chats", "chat_seller_chat", "close_spelling"),
        ("impresion_banner_home", "impression_banner_home", "close_spelling"),
        ("tap_item_home", "click_item_home", "synonym"),
        ("click_item_home", "click_item_home", "same_name"),
    ],
)
def test_near_duplicates_name_the_existing_event(name: str, existing: str, kind: str) -> None:
    index = NameIndex(EXISTING, OPEN.action_synonyms)
    found = index.near_duplicates(name)
    assert [(d.existing, d.kind) for d in found][:1] == [(existing, kind)]
    assert existing in found[0].reason


@pytest.mark.parametrize(
    "name",
    [
        "click_item_chat",
        "view_item_search",
        "view_app_home",
        "view_user_home",
        "click_banner_home",
        "search_item_search",
        "view_ads_detail",
    ],
)
def test_different_events_are_not_near_duplicates(name: str) -> None:
    assert NameIndex(EXISTING, OPEN.action_synonyms).near_duplicates(name) == []


def test_near_duplicate_check_leaves_out_the_event_being_edited() -> None:
    index = NameIndex(EXISTING)
    assert index.near_duplicates("click_item_home", exclude="click_item_home") == []


@pytest.mark.parametrize(
    ("name", "top", "fragment", "suggestion"),
    [
        ("itemId", False, "not snake_case", "item_id"),
        ("Item_ID", False, "not snake_case", "item_id"),
        ("item-id", False, "not snake_case", "item_id"),
        ("2nd_item", False, "not snake_case", "n_2nd_item"),
        ("item__id", False, "not snake_case", "item_id"),
        ("user_id", True, "shadows the envelope field 'user_id'", None),
        ("event_name", True, "shadows the envelope field 'event_name'", None),
        ("server_timestamp", True, "shadows the envelope field", None),
        ("sessionid", True, "shadows the envelope field 'session_id'", None),
        ("userId", True, "shadows the envelope field 'user_id'", None),
    ],
)
def test_bad_parameter_names(name: str, top: bool, fragment: str, suggestion: str | None) -> None:
    problems = check_param_name(name, top_level=top)
    assert any(fragment in p.message for p in problems), problems
    assert problems[0].suggestion == suggestion


def test_envelope_names_are_fine_inside_objects() -> None:
    assert check_param_name("user_id", top_level=False) == []
    assert check_param_name("seller_id", top_level=True) == []
    assert check_param_name("tenant", top_level=True, reserved=["tenant"])[0].message.startswith(
        "parameter 'tenant' shadows"
    )


def test_grammar_settings_must_agree_with_themselves(tmp_path: object) -> None:
    from pathlib import Path

    from loam.config import Settings
    from loam.core.errors import ConfigError

    folder = Path(str(tmp_path))
    (folder / "loam.toml").write_text('[events.naming]\ncasing = "camel"\n')
    with pytest.raises(ConfigError, match='joins words without a separator: set separator = ""'):
        Settings.load(folder, environ={})


@pytest.mark.parametrize(
    ("existing", "name", "kind"),
    [
        ("view_category_home", "view_categories_home", "close_spelling"),
        ("view_categories_home", "view_category_home", "close_spelling"),
        ("tap_item_home", "click_item_home", "synonym"),
        ("view_notification_home", "view_notificaton_home", "close_spelling"),
        ("view_notification_home", "view_notifcation_hoem", "close_spelling"),
        ("search_keyword_search", "keyword_search_search", "reordered"),
        ("click_item_detail_home", "click_itemdetail_home", "case_or_separator"),
        ("click_item_detail_home", "click_itemdetial_home", "close_spelling"),
    ],
)
def test_more_near_duplicates(existing: str, name: str, kind: str) -> None:
    found = NameIndex([existing, "pay_order_checkout"], OPEN.action_synonyms).near_duplicates(name)
    assert [(d.existing, d.kind) for d in found] == [(existing, kind)]


def test_near_duplicates_among_many_names() -> None:
    names = [
        f"{a}_{o}_{s}"
        for a in ("view", "click", "impression", "search")
        for o in ("item", "banner", "keyword", "seller", "coupon")
        for s in ("home", "search", "chat", "detail")
    ]
    index = NameIndex(names)
    assert [d.existing for d in index.near_duplicates("clikc_coupon_detail")] == [
        "click_coupon_detail"
    ]
    assert [d.existing for d in index.near_duplicates("banner_view_chat")] == ["view_banner_chat"]
    assert index.near_duplicates("share_item_home") == []
