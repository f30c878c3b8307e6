"""P1.3: what is kept of a visitor: a browser family and major version, the IP's network."""

from __future__ import annotations

import pytest

from ongpt.analytics.service import browser, page_path, referrer_host, truncated_ip

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EDGE = CHROME + " Edg/131.0.2903.70"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.mark.clause("P1.3")
@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (CHROME, ("Chrome", 131)),
        (EDGE, ("Edge", 131)),
        (SAFARI, ("Safari", 18)),
        (FIREFOX, ("Firefox", 133)),
        ("curl/8.5.0", ("Other", None)),
        (None, ("Other", None)),
    ],
)
def test_browser_family_and_major_version(
    agent: str | None, expected: tuple[str, int | None]
) -> None:
    assert browser(agent) == expected


@pytest.mark.clause("P1.3")
@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ("not an ip", None),
        (None, None),
    ],
)
def test_ips_are_truncated_to_their_network(address: str | None, network: str | None) -> None:
    assert truncated_ip(address) == network


@pytest.mark.clause("P1.3")
def test_only_the_referrer_host_is_kept() -> None:
    assert (
        referrer_host("https://Search.Example.com/q?email=an@example.com") == "search.example.com"
    )
    assert referrer_host("not a url") is None


@pytest.mark.clause("P1.3")
@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/pricing", "/pricing"),
        ("/reset?email=an%40example.com&token=abc", "/reset"),
        ("/vi/tro-giup#lien-he", "/vi/tro-giup"),
        ("https://ongpt.vn/account?phone=%2B84967915569", "/account"),
        ("?q=only-a-query", "/"),
    ],
)
def test_pages_keep_their_path_without_query_or_fragment(page: str, expected: str) -> None:
    assert page_path(page) == expected
