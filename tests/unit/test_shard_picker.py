"""The choice of a top-up's first treasury shard."""

from service.shards import Home, ShardPicker, one_shard_per_group


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


def test_the_top_ups_of_one_group_share_a_shard_and_groups_do_not() -> None:
    picker = ShardPicker(8)
    with one_shard_per_group():
        first = [picker.take() for _ in range(5)]
    with one_shard_per_group():
        second = [picker.take() for _ in range(5)]
    assert len(set(first)) == len(set(second)) == 1  # one group: one shard's next versions
    assert first[0] != second[0]  # the first group's shard is still busy
    for index in first:
        picker.release(index)
    with one_shard_per_group():
        assert picker.take() != second[0]


def test_a_process_draws_on_its_home_shards_while_one_is_free() -> None:
    home = Home()
    home.set(1, 2)  # writer 1 of 2: the odd shards
    picker = ShardPicker(8, home)
    taken = [picker.take() for _ in range(4)]
    assert sorted(taken) == [1, 3, 5, 7]
    assert picker.take() % 2 == 0  # every home shard busy: another's rather than a race at home
    home.set(5, 2)  # nonsense: every shard
    assert (home.rank, home.of) == (0, 1)
