"""The fault table's normalisation (``tests/support/normalised.py``): what differs between two runs
of a path is masked, by what each value is, and nothing else, so that equal items compare equal
and different items different."""

from __future__ import annotations

import json

from tests.support import normalised

DIGEST_1, DIGEST_2 = "67" * 32, "09" * 32

RUN_1 = {
    "pk": {"S": "CUSTOMER#1b3328b4-0ac4-4925-9046-ec444dec8300"},
    "sk": {"S": f"NOTICE#2026-11-26T03:03:36.796779Z#{DIGEST_1}"},
    "type": {"S": "renewal_invitation"},
    "sent_at": {"S": "2026-11-26T03:03:36.796779Z"},
}
RUN_2 = {
    "pk": {"S": "CUSTOMER#6bf2c2ed-8cf3-45e4-bc94-96dca2eba0fa"},
    "sk": {"S": f"NOTICE#2026-11-27T10:00:00.000001Z#{DIGEST_2}"},
    "type": {"S": "renewal_invitation"},
    "sent_at": {"S": "2026-11-27T10:00:00.000001Z"},
}


def test_the_same_item_of_two_runs_compares_equal_part_by_part() -> None:
    assert normalised.item(RUN_1) == normalised.item(RUN_2)
    assert normalised.item(RUN_1)["sk"] == "NOTICE#<time>#<digest>"


def test_a_key_keeps_every_part_that_is_not_volatile() -> None:
    current = normalised.string("CONSENT#marketing")
    history = normalised.string("CONSENT#marketing#2026-11-26T03:03:15.698248Z")
    assert (current, history) == ("CONSENT#marketing", "CONSENT#marketing#<time>")
    other = normalised.string("CONSENT#product_updates#2026-11-26T03:03:15.698248Z")
    assert other != history


def test_sequences_counts_and_small_numbers_are_not_masked() -> None:
    """A doubled audit entry or a counter counted twice must show."""
    assert normalised.string("000000000002") != normalised.string("000000000003")
    assert normalised.attribute({"N": "2"}) != normalised.attribute({"N": "3"})
    assert normalised.string("ROUND#1") != normalised.string("ROUND#2")


def test_epochs_are_masked_as_numbers_and_as_key_parts() -> None:
    assert normalised.attribute({"N": "1795665600"}) == "<epoch>"
    assert normalised.attribute({"N": "1795662203033"}) == "<epoch>"
    assert normalised.string("LIMIT#CALLER#" + "ab" * 32 + "#hour#1795662000") == (
        "LIMIT#CALLER#<digest>#hour#<epoch>"
    )


def test_ciphertext_binary_and_macs_are_masked_whatever_they_hold() -> None:
    assert normalised.attribute({"S": "v1:hzrCJ3nuYFlcZ0u7tJoiEagJvAXpxXNkwk/a3pAw7htaF=="}) == (
        "<sealed>"
    )
    assert normalised.attribute({"B": b"\x00wrapped"}) == "<bytes>"
    assert normalised.string("EMAIL#thfEkc10qtUG_UF6ru1-uMXwEHCyJMh9jlJzpQdtZMQ") == "EMAIL#<mac>"
    assert normalised.string("i3Tu3HJ26hKtzPAcCWtqwQcIW+ZxDl8nSnExH/hJfgg=") == "<mac>"


def test_a_shard_drawn_from_an_id_is_masked_only_where_shards_are() -> None:
    assert (
        normalised.string("2026-11-26#3") == normalised.string("2026-11-26#7") == "<time>#<shard>"
    )
    assert normalised.string("CUSTOMER#ACTIVE#5") == "CUSTOMER#ACTIVE#<shard>"
    assert normalised.string("DAY#2026-11-25#5") == "DAY#<time>#<shard>"


def test_a_json_document_is_masked_value_by_value() -> None:
    def answer(contract_id: str, status: int) -> str:
        body = {"contract_id": contract_id, "status": "ACTIVE"}
        return json.dumps({"body": body, "status": status})

    first = answer("83e31c1c-29e5-4238-b9f5-2f7bf255e165", 201)
    retry = answer("d32d501d-803c-4d3b-a3d3-097e99df815d", 201)
    other = answer("d32d501d-803c-4d3b-a3d3-097e99df815d", 200)
    assert normalised.string(first) == normalised.string(retry)
    assert normalised.string(first) != normalised.string(other)


def test_addresses_are_masked_in_keys_and_attributes() -> None:
    assert normalised.string("an.fd965eecdf@example.com") == "<email>"
    assert normalised.string("+84912345678") == "<phone>"


def test_a_message_keeps_its_words_and_loses_its_codes_ids_and_dates() -> None:
    one = normalised.text("Mã xác minh OnGPT: 123456. Hết hạn 2026-11-26T03:13:13Z.")
    two = normalised.text("Mã xác minh OnGPT: 654321. Hết hạn 2026-11-27T08:00:00Z.")
    assert one == two == "Mã xác minh OnGPT: <code>. Hết hạn <time>."
    renewal = normalised.text("Hợp đồng hết hạn sau 7 ngày")
    assert renewal != normalised.text("Hợp đồng hết hạn sau 30 ngày")


def test_a_rate_limit_counter_counts_attempts_and_only_it_is_not_compared() -> None:
    key = {"pk": {"S": "LIMIT#ADDRESS#email#" + "A" * 43 + "#day#1795651200"}}
    once = normalised.item({**key, "count": {"N": "1"}})
    retried = normalised.item({**key, "count": {"N": "2"}})
    assert once == retried
    assert normalised.item({"pk": {"S": "ROUND#1"}, "count": {"N": "1"}}) != normalised.item(
        {"pk": {"S": "ROUND#1"}, "count": {"N": "2"}}
    )
