"""Demo data: an IT equipment register kept by liam.chen, some of it lent out."""

from __future__ import annotations

from services.asset import services

ASSETS = (
    ("LAP-0101", "ThinkPad X1 Carbon Gen 12", "laptop"),
    ("LAP-0102", "ThinkPad X1 Carbon Gen 12", "laptop"),
    ("LAP-0103", "MacBook Pro 14 M3", "laptop"),
    ("MON-0201", "Dell UltraSharp 27 U2724D", "monitor"),
    ("MON-0202", "Dell UltraSharp 27 U2724D", "monitor"),
    ("PHN-0301", "iPhone 15 (sales pool)", "phone"),
    ("PRJ-0401", "Epson EB-L630U projector", "projector"),
    ("LAP-0042", "ThinkPad T480", "laptop"),
)
LENT = (("LAP-0101", "minjun.lee"), ("MON-0201", "minjun.lee"), ("PHN-0301", "noah.schmidt"))


def seed(*, people: dict, now) -> None:
    it = people["liam.chen"]
    assets = {
        tag: services.asset_register(tag=tag, name=name, category=category)
        for tag, name, category in ASSETS
    }
    # Some history: a laptop lent and returned, then lent to someone else.
    services.asset_check_out(asset=assets["LAP-0103"], holder=people["hana.kim"], by=it)
    services.asset_return(asset=assets["LAP-0103"], by=it)
    services.asset_check_out(asset=assets["LAP-0103"], holder=people["sofia.rossi"], by=it)
    for tag, username in LENT:
        services.asset_check_out(asset=assets[tag], holder=people[username], by=it)
    old = assets["LAP-0042"]
    services.asset_retire(asset=old, version=old.version)
