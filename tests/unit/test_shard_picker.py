"""The choice of a top-up's first treasury shard."""

from service.shards import ShardPicker


def test_a_process_spreads_its_top_ups_over_distinct_shards() -> None:
    picker = ShardPicker(8)
    taken = [picker.take() for _ in range(8)]
    assert sorted(taken) == list(range(8))  # no two of its own top-ups race for one shard
    ninth = picker.take()  # every shard busy: any may be shared now
    picker.release(ninth)
    picker.release(taken[3])
    assert picker.take() == taken[3]  # the only shard with nothing in flight


def test_released_shards_are_reused() -> None:
    picker = ShardPicker(2)
    for _ in range(100):
        first, second = picker.take(), picker.take()
        assert {first, second} == {0, 1}
        picker.release(first)
        picker.release(second)
