"""The engine in the firmware on the simulated board: the build-time arena plan holds, and
outputs equal TFLite Micro's on the host, input for input (FNV-1a over all outputs)."""
import os

import pytest

from h7nn import board

BOARD_INPUTS = int(os.environ.get('H7NN_BOARD_INPUTS', '40'))


@pytest.fixture(scope='module')
def bench(kws_bytes):
    if not os.path.exists(board.IMAGE):
        pytest.skip('nn_bench image not built (needs the firmware toolchain and ../shared)')
    return board.BenchBoard()


def test_arena_plan_holds_on_board(bench):
    model = bench.events('nn_model')[0]
    assert model['arena_used'] == model['arena_planned'] <= 22820


def test_profile_covers_every_op(bench):
    ops = bench.events('nn_op')
    total = bench.events('nn_invoke')[0]['instructions']
    assert len(ops) == 13 and all(o['instructions'] > 0 for o in ops)
    assert 0.95 * total < sum(o['instructions'] for o in ops) < 1.05 * total


def test_boot_check_bit_exact(bench, kws_bytes):
    first = bench.events('nn_check')[0]
    assert first['fnv1a'] == board.expected_hash(kws_bytes, first['seed'], first['count'])


def test_random_inputs_bit_exact(bench, kws_bytes):
    result = bench.check(77, BOARD_INPUTS)
    assert result['event'] == 'nn_check'
    assert result['fnv1a'] == board.expected_hash(kws_bytes, 77, BOARD_INPUTS)
