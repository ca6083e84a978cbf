"""Demo data: the event schemas of a second-hand marketplace app (a Karrot-like app).

Fifteen events across six teams, with nested objects, arrays of objects, enums
and PII flags; a few have a second version so the dictionary shows history.
Running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from loam.events import registry
from loam.workspace import Workspace

AUTHOR = "demo"


def _s(name: str, description: str = "", **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": "string", "description": description, **kw}


def _i(name: str, description: str = "", **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": "integer", "description": description, **kw}


def _e(name: str, values: list[str], description: str = "", **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": "enum", "values": values, "description": description, **kw}


def _o(name: str, params: list[dict[str, Any]], description: str = "", **kw: Any) -> dict[str, Any]:
    return {"name": name, "type": "object", "params": params, "description": description, **kw}


REGION = _o(
    "region",
    [
        _s("region_code", "Neighbourhood code, e.g. 'seoul-gangnam-yeoksam1'", required=True),
        _s("region_name", "Neighbourhood name as shown to the user"),
        _e(
            "range",
            ["my", "near", "normal", "far"],
            "How far around the neighbourhood the user looks",
        ),
    ],
    "The neighbourhood the user browses",
)

ITEM = _o(
    "item",
    [
        _s(
            "item_id",
            "Listing identifier",
            required=True,
            examples=["it_8f2c19"],
            constraints={"pattern": "^it_[0-9a-z]+$"},
        ),
        _s("title", "Listing title", constraints={"max_length": 100}),
        _i("price", "Asking price in won; 0 when given away", constraints={"minimum": 0}),
        _e(
            "category",
            ["digital", "furniture", "clothing", "kids", "books", "sports", "free"],
            "Listing category",
        ),
        _o(
            "seller",
            [
                _s("seller_id", "Seller's user id", required=True, pii=True),
                {
                    "name": "manner_temperature",
                    "type": "float",
                    "description": "Seller's trust score (36.5 at sign-up)",
                    "constraints": {"minimum": 0, "maximum": 99},
                },
            ],
            "Who sells it",
        ),
    ],
    "The listing",
    required=True,
)

EVENTS: list[dict[str, Any]] = [
    {
        "name": "view_item_home",
        "owner": "marketplace",
        "tier": "critical",
        "status": "active",
        "tags": ["feed", "kpi"],
        "description": "A listing card became visible in the home feed.",
        "params": [
            ITEM,
            _i(
                "position", "Zero-based slot in the feed", required=True, constraints={"minimum": 0}
            ),
            REGION,
        ],
    },
    {
        "name": "click_item_home",
        "owner": "marketplace",
        "tier": "critical",
        "status": "active",
        "tags": ["feed", "kpi"],
        "description": "The user tapped a listing card in the home feed.",
        "params": [
            ITEM,
            _i("position", "Zero-based slot in the feed", required=True),
            {"name": "is_promoted", "type": "boolean", "description": "An ad-boosted card"},
        ],
    },
    {
        "name": "view_item_detail",
        "owner": "marketplace",
        "status": "active",
        "tags": ["detail"],
        "description": "The listing detail page opened.",
        "params": [
            ITEM,
            _e(
                "from_screen",
                ["home", "search", "chat", "notification", "profile"],
                "Where the user came from",
                required=True,
            ),
            {
                "name": "photos",
                "type": "array",
                "description": "Photos on the page",
                "items": {
                    "type": "object",
                    "params": [_s("url", "Image URL", required=True), _i("width"), _i("height")],
                },
                "constraints": {"max_items": 10},
            },
        ],
    },
    {
        "name": "search_item_search",
        "owner": "search",
        "tier": "critical",
        "status": "active",
        "tags": ["serp", "kpi"],
        "description": "A search for listings ran.",
        "params": [
            _s(
                "keyword",
                "What the user typed",
                required=True,
                constraints={"min_length": 1, "max_length": 200},
            ),
            _o(
                "filters",
                [
                    {
                        "name": "categories",
                        "type": "array",
                        "items": {
                            "type": "enum",
                            "values": [
                                "digital",
                                "furniture",
                                "clothing",
                                "kids",
                                "books",
                                "sports",
                                "free",
                            ],
                        },
                    },
                    _o("price", [_i("min_price"), _i("max_price")], "Price range in won"),
                    {"name": "only_on_sale", "type": "boolean"},
                ],
                "Filters applied",
            ),
            _e("sort", ["relevance", "recent", "price_low", "price_high"], required=True),
            _i("result_count", "Listings found", constraints={"minimum": 0}),
            REGION,
        ],
    },
    {
        "name": "click_item_search",
        "owner": "search",
        "status": "active",
        "tags": ["serp"],
        "description": "The user tapped a listing in search results.",
        "params": [
            _s("keyword", required=True),
            _i("position", required=True),
            _o("item", [_s("item_id", required=True), _i("price")]),
        ],
    },
    {
        "name": "chat_seller_chat",
        "owner": "chat",
        "tier": "critical",
        "status": "active",
        "tags": ["trade", "kpi"],
        "description": "A buyer opened a chat with the seller.",
        "params": [
            _s("room_id", "Chat room", required=True),
            _o("item", [_s("item_id", required=True), _i("price")], required=True),
            _o(
                "buyer",
                [_s("buyer_id", required=True, pii=True), _s("phone_number", pii=True)],
                "Who asks",
            ),
            _e("entry_point", ["detail_button", "offer", "reservation_request"], required=True),
        ],
    },
    {
        "name": "send_message_chat",
        "owner": "chat",
        "status": "active",
        "tags": ["trade"],
        "description": "A chat message was sent.",
        "params": [
            _s("room_id", required=True),
            _o(
                "message",
                [
                    _e(
                        "message_type",
                        ["text", "image", "sticker", "location", "appointment"],
                        required=True,
                    ),
                    _i("length", "Characters of text", constraints={"minimum": 0}),
                ],
                required=True,
            ),
            {
                "name": "attachments",
                "type": "array",
                "items": {
                    "type": "object",
                    "params": [
                        _e("kind", ["image", "location"], required=True),
                        _o(
                            "location",
                            [
                                {"name": "latitude", "type": "float", "pii": True},
                                {"name": "longitude", "type": "float", "pii": True},
                                _s("place_name"),
                            ],
                        ),
                    ],
                },
            },
        ],
    },
    {
        "name": "like_item_detail",
        "owner": "marketplace",
        "status": "active",
        "description": "The user added the listing to their favourites.",
        "params": [_o("item", [_s("item_id", required=True), _i("like_count")], required=True)],
    },
    {
        "name": "submit_item_write",
        "owner": "marketplace",
        "tier": "critical",
        "status": "active",
        "tags": ["supply", "kpi"],
        "description": "A seller posted a new listing.",
        "params": [
            _o(
                "item",
                [
                    _s("item_id", required=True),
                    _s("title", required=True),
                    _i("price", required=True, constraints={"minimum": 0}),
                    {"name": "is_free", "type": "boolean"},
                    _i("photo_count", constraints={"minimum": 0, "maximum": 10}),
                ],
                required=True,
            ),
            _o(
                "trade_location",
                [
                    {"name": "latitude", "type": "float", "pii": True},
                    {"name": "longitude", "type": "float", "pii": True},
                    _s("place_name", "e.g. 'Exit 3 of Yeoksam station'"),
                ],
            ),
            {"name": "listed_on", "type": "date"},
        ],
    },
    {
        "name": "reserve_item_chat",
        "owner": "chat",
        "status": "active",
        "tags": ["trade"],
        "description": "The seller marked the listing reserved for a buyer.",
        "params": [
            _s("room_id", required=True),
            _s("item_id", required=True),
            {
                "name": "appointment_at",
                "type": "timestamp",
                "description": "When they agreed to meet",
            },
        ],
    },
    {
        "name": "complete_trade_chat",
        "owner": "chat",
        "status": "active",
        "tags": ["trade", "kpi"],
        "description": "A trade finished and the buyer may leave a review.",
        "params": [
            _o(
                "trade",
                [
                    _s("item_id", required=True),
                    _i("price"),
                    _s("buyer_id", required=True, pii=True),
                ],
                required=True,
            ),
            _o(
                "review",
                [
                    _e("rating", ["bad", "good", "great"], required=True),
                    {"name": "compliments", "type": "array", "items": {"type": "string"}},
                ],
            ),
        ],
    },
    {
        "name": "view_article_community",
        "owner": "community",
        "status": "active",
        "tags": ["community"],
        "description": "A neighbourhood-life post was opened.",
        "params": [
            _o(
                "article",
                [
                    _s("article_id", required=True),
                    _e("topic", ["question", "lost_found", "restaurant", "news", "meetup"]),
                ],
                required=True,
            ),
            REGION,
        ],
    },
    {
        "name": "impression_ad_home",
        "owner": "ads",
        "tier": "low",
        "status": "active",
        "tags": ["ads"],
        "description": "A local business ad became visible in the home feed.",
        "params": [
            _o(
                "ad",
                [
                    _s("ad_id", required=True),
                    _o(
                        "campaign",
                        [
                            _s("campaign_id", required=True),
                            _o(
                                "advertiser",
                                [_s("advertiser_id", required=True), _s("business_category")],
                            ),
                        ],
                    ),
                ],
                required=True,
            ),
            _i("position", required=True),
        ],
    },
    {
        "name": "pay_order_checkout",
        "owner": "payments",
        "tier": "critical",
        "status": "active",
        "tags": ["money", "kpi"],
        "description": "A Karrot Pay payment went through.",
        "params": [
            _o(
                "order",
                [
                    _s("order_id", required=True),
                    _i("amount", "Paid amount in won", required=True, constraints={"minimum": 1}),
                    _e("currency", ["KRW"], required=True),
                ],
                required=True,
            ),
            _e("method", ["karrot_pay", "card", "bank_transfer"], required=True),
        ],
    },
    {
        "name": "report_user_chat",
        "owner": "chat",
        "status": "draft",
        "tags": ["safety"],
        "description": "A user reported another user from a chat room.",
        "params": [
            _s("room_id", required=True),
            _s("reported_user_id", required=True, pii=True),
            _e("reason", ["spam", "fraud", "abuse", "no_show", "other"], required=True),
            _s("comment", constraints={"max_length": 1000}),
        ],
    },
]


def _history(name: str) -> list[tuple[dict[str, Any], str, str]]:
    """Later versions for a few events: (edit, bump, message)."""
    if name == "view_item_home":
        return [
            (
                {"params_append": _s("experiment_id", "A/B test bucket of the feed ranking")},
                "auto",
                "track the ranking experiment",
            ),
            (
                {
                    "description": "A listing card was at least half visible for 1 s in the home feed."
                },
                "auto",
                "say what 'visible' means",
            ),
        ]
    if name == "submit_item_write":
        return [
            (
                {"pii_on": "trade_location.place_name"},
                "auto",
                "place names can point at a seller's home",
            )
        ]
    if name == "search_item_search":
        return [({"params_drop": "result_count"}, "model", "result counts move to the backend log")]
    return []


def build(ws: Workspace, progress: Any = None, task: Any = None) -> None:
    """Register the sample app's events in ``ws`` (idempotent)."""
    reg = registry(ws)
    existing = set(reg.names())
    if progress is not None and task is not None:
        progress.update(task, total=len(EVENTS), completed=0)
    for i, event in enumerate(EVENTS, 1):
        name = event["name"]
        if name not in existing:
            reg.save(event, author=AUTHOR, message="sample app schema", allow_similar=True)
            current = dict(event)
            for edit, bump, message in _history(name):
                current = _apply(current, edit)
                reg.save(current, author=AUTHOR, message=message, bump=bump)  # type: ignore[arg-type]
        if progress is not None and task is not None:
            progress.update(task, completed=i)


def _apply(event: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    out = {**event, "params": list(event["params"])}
    if "params_append" in edit:
        out["params"].append(edit["params_append"])
    if "params_drop" in edit:
        out["params"] = [p for p in out["params"] if p["name"] != edit["params_drop"]]
    if "pii_on" in edit:
        parent, leaf = edit["pii_on"].split(".")
        holder = next(p for p in out["params"] if p["name"] == parent)
        holder = {
            **holder,
            "params": [{**p, "pii": True} if p["name"] == leaf else p for p in holder["params"]],
        }
        out["params"] = [holder if p["name"] == parent else p for p in out["params"]]
    out.update({k: v for k, v in edit.items() if not k.startswith(("params_", "pii_"))})
    return out
