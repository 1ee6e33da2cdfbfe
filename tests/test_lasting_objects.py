"""The collector off while a process makes what it keeps to its end, and that frozen after
(clusterscore/lasting_objects.py)."""

import gc

import pytest

from clusterscore.lasting_objects import kept_to_the_end


def test_the_collector_is_off_in_the_block_and_what_it_made_is_frozen_after():
    gc.unfreeze()
    try:
        with kept_to_the_end():
            assert not gc.isenabled()
            made = [[n] for n in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= len(made)
    finally:
        gc.unfreeze()


def test_a_block_that_fails_leaves_the_collector_as_it_was_and_freezes_nothing():
    gc.unfreeze()
    with pytest.raises(RuntimeError), kept_to_the_end():
        raise RuntimeError("an import failed")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        with kept_to_the_end():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
        gc.unfreeze()
