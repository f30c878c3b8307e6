"""The load model's derivation (``infra/load_model.py``): a method gets its own throttle only
where its quota's share is below the stage's rate, which follows the customers."""

from __future__ import annotations

from infra.load_model import VERIFICATION, Load, method_throttles, stage_throttle


def test_a_method_is_throttled_apart_only_below_the_stages_rate() -> None:
    small = Load(customers=10_000)  # a peak of about 5 requests a second
    assert stage_throttle(small).rate < method_throttles()[VERIFICATION].rate
    assert VERIFICATION not in method_throttles(small)


def test_the_stage_follows_the_customers_and_their_peak() -> None:
    base = stage_throttle()
    assert stage_throttle(Load(customers=2_000_000)).rate in (2 * base.rate - 1, 2 * base.rate)
    assert stage_throttle(Load(peak_factor=5)).burst < base.burst
