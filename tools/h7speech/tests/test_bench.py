"""The decoder on the simulated board gives the host's result bit for bit (300-word graph,
150 int8 frames; the figures themselves go to build/bench/decoder.json, never asserted)."""
from h7speech import bench


def test_board_and_host_decode_identically():
    host = bench.host_run()
    board = bench.board_run()
    assert board['status'] == 0 and board['segments'] == 3
    assert host['words'] == [host['expected_word']]
    assert board['digest'] == host['digest']
    # workspace sizes differ by the pointer width of the decoder struct (8 vs 4 bytes)
    assert 0 < host['workspace_bytes'] - board['workspace_bytes'] < 128
