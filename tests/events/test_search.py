"""Dictionary search: ranking, prefixes while typing, filters, parameter and team questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from loam.events.search import SearchIndex, document_from, tokenize


@dataclass
class Summary:
    name: str
    description: str
    owner: str
    service: str
    status: str = "active"
    tags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


EVENTS = [
    (
        Summary(
            "click_item_home",
            "A user taps an item card in the home feed",
            "marketplace",
            "home",
            tags=["feed"],
        ),
        [
            {"name": "item_id", "type": "string", "description": "Item identifier"},
            {
                "name": "seller",
                "type": "object",
                "params": [
                    {
                        "name": "region",
                        "type": "object",
                        "params": [
                            {
                                "name": "region_code",
                                "type": "string",
                                "description": "Neighbourhood code",
                            }
                        ],
                    }
                ],
            },
        ],
    ),
    (
        Summary("view_item_home", "An item card is shown", "marketplace", "home", tags=["feed"]),
        [{"name": "item_id", "type": "string"}],
    ),
    (
        Summary(
            "search_keyword_search",
            "The user submits a search keyword",
            "search",
            "search",
            tags=["serp"],
        ),
        [
            {"name": "keyword", "type": "string", "description": "What was typed"},
            {
                "name": "filters",
                "type": "array",
                "items": {"type": "object", "params": [{"name": "region_code", "type": "string"}]},
            },
        ],
    ),
    (
        Summary(
            "chat_seller_chat",
            "A buyer opens a chat with the seller",
            "chat",
            "chat",
            status="deprecated",
        ),
        [{"name": "chat_room_id", "type": "string", "description": "Room of the conversation"}],
    ),
    (
        Summary("pay_order_checkout", "Payment completed", "payments", "checkout", tags=["money"]),
        [{"name": "amount", "type": "integer", "description": "Paid amount in won"}],
    ),
]


@pytest.fixture
def index() -> SearchIndex:
    return SearchIndex.from_rows({"summary": s, "definition": {"params": p}} for s, p in EVENTS)


def names(hits: list[Any]) -> list[str]:
    return [h.name for h in hits]


def test_tokenize_splits_names() -> None:
    assert tokenize("click_item_home chatRoomId, Items!") == [
        "click",
        "item",
        "home",
        "chat",
        "room",
        "id",
        "item",
    ]


def test_name_words_rank_above_description_words(index: SearchIndex) -> None:
    assert names(index.search("seller"))[:2] == ["chat_seller_chat", "click_item_home"]


def test_every_word_must_match(index: SearchIndex) -> None:
    assert names(index.search("item shown")) == ["view_item_home"]


def test_prefix_of_the_last_word_matches_while_typing(index: SearchIndex) -> None:
    assert names(index.search("keyw")) == ["search_keyword_search"]
    assert names(index.search("chat ro")) == ["chat_seller_chat"]
    assert index.search("keyw ") == []  # a finished word is not a prefix


def test_parameter_names_and_descriptions_are_searched(index: SearchIndex) -> None:
    hits = index.search("neighbourhood")
    assert names(hits) == ["click_item_home"] and hits[0].matched == ["param_description"]
    assert set(names(index.search("region_code"))) == {"click_item_home", "search_keyword_search"}


def test_owner_and_tags_are_searched(index: SearchIndex) -> None:
    assert names(index.search("payments")) == ["pay_order_checkout"]
    assert names(index.search("serp")) == ["search_keyword_search"]


def test_filters(index: SearchIndex) -> None:
    assert set(names(index.search("item", team="marketplace"))) == {
        "click_item_home",
        "view_item_home",
    }
    assert names(index.search("", status="deprecated")) == ["chat_seller_chat"]
    assert names(index.search("", tag="feed", service="home")) == [
        "click_item_home",
        "view_item_home",
    ]
    assert names(index.search("", param="region_code")) == [
        "click_item_home",
        "search_keyword_search",
    ]
    assert index.search("item", team="nobody") == []


def test_exact_name_comes_first(index: SearchIndex) -> None:
    assert names(index.search("view_item_home"))[0] == "view_item_home"


def test_which_events_use_a_parameter(index: SearchIndex) -> None:
    assert index.events_with_param("region_code") == {
        "click_item_home": ["seller.region.region_code"],
        "search_keyword_search": ["filters[].region_code"],
    }
    assert index.events_with_param("seller.region") == {"click_item_home": ["seller.region"]}


def test_updates_replace_the_old_document(index: SearchIndex) -> None:
    summary = Summary("view_item_home", "A listing thumbnail appears", "growth", "home")
    index.upsert(document_from(summary, {"params": []}))
    assert names(index.search("thumbnail")) == ["view_item_home"]
    assert "view_item_home" not in names(index.search("shown"))
    assert names(index.search("", team="growth")) == ["view_item_home"]
    assert "view_item_home" not in index.events_with_param("item_id")
    index.remove("view_item_home")
    assert index.search("thumbnail") == []
