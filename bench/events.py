"""Deterministic, realistic Segment messages of about 1 KB each."""

from __future__ import annotations

import random
from typing import Any

CALLS = ["track"] * 6 + ["page"] * 2 + ["identify", "screen"]
EVENTS = ["Order Completed", "Product Viewed", "Product Added", "Checkout Started", "Signed Up", "Clicked CTA"]


def message(rng: random.Random, index: int) -> dict[str, Any]:
    call = CALLS[index % len(CALLS)]
    user = f"user-{rng.randrange(50_000):05d}"
    second = index % 3600
    sent = f"2026-12-04T20:{second // 60:02d}:{second % 60:02d}.{rng.randrange(1000):03d}Z"
    base: dict[str, Any] = {
        "type": call,
        "messageId": f"bench-{index:08d}-{rng.getrandbits(48):012x}",
        "anonymousId": f"{rng.getrandbits(64):016x}-{rng.getrandbits(32):08x}",
        "userId": user,
        "originalTimestamp": sent,
        "sentAt": sent,
        "receivedAt": sent,
        "context": {
            "ip": f"203.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "locale": rng.choice(["en-US", "de-DE", "fr-FR", "ja-JP"]),
            "library": {"name": "analytics.js", "version": "2.11.1"},
            "page": {"path": f"/p/{rng.randrange(900)}", "referrer": "https://www.google.com/",
                     "title": "Pricing | Example", "url": f"https://example.com/p/{rng.randrange(900)}"},
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/131.0 Safari/537.36",
            "campaign": {"name": "winter-sale", "source": "newsletter", "medium": "email"},
        },
        "integrations": {"All": True},
    }
    if call == "track":
        base["event"] = EVENTS[index % len(EVENTS)]
        base["properties"] = {
            "revenue": round(rng.uniform(5, 500), 2), "currency": "USD", "coupon": None,
            "products": [{"sku": f"SKU-{rng.randrange(10_000)}", "price": round(rng.uniform(1, 99), 2),
                          "quantity": rng.randrange(1, 4)} for _ in range(2)],
            "tags": rng.sample(["new", "sale", "gift", "bulk", "promo", "vip"], 3),
        }
    elif call == "identify":
        base["traits"] = {"email": f"{user}@example.com", "plan": rng.choice(["free", "pro", "enterprise"]),
                          "order_completed_last_30days": rng.random() < 0.5,
                          "address": {"city": "Oslo", "country": "NO", "postalCode": "0150"}}
    else:
        base["name"] = rng.choice(["Home", "Pricing", "Docs", "Settings"])
        base["properties"] = {"path": base["context"]["page"]["path"], "title": "Pricing | Example",
                              "referrer": "https://www.google.com/", "search": "", "width": 1440}
    return base


def messages(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [message(rng, i) for i in range(count)]
