"""The firmware on the simulated board (frontend_check via I2S + DMA) against the host
library: the same audio must give bit-identical features (same C, same CMSIS-DSP, no FMA
contraction under -std=c11), the same VAD events, and no lost samples; instruction counts
stay within the budget of 1% of a 480 MHz core per 20 ms hop."""
import numpy as np
import pytest

import h7frontend as fe
import signals
from h7frontend import board_check

HOP_BUDGET_INSTRUCTIONS = 480_000_000 * 0.020 * 0.01   # 1% of the core per hop = 96,000


@pytest.fixture(scope='module')
def mixed_run():
    """3.5 s: speech-like, digital silence, hard-clipped speech, DC offset, loud noise."""
    speech = signals.speech_like(1.0).astype(np.float64)
    audio = np.concatenate([
        signals.speech_like(1.0),
        np.zeros(8000, np.int16),
        signals.to_int16(speech * 30),
        signals.to_int16(speech * 0.2 + 15000),
        signals.white_noise(0.5, rms=15000),
    ])
    try:
        return audio, board_check.run(audio)
    except board_check.FirmwareMissing as e:
        pytest.fail(str(e))


def test_board_features_equal_the_host_library_bit_for_bit(mixed_run):
    audio, result = mixed_run
    host = fe.Stream('kws_stream').push(audio)
    board = result['features']
    assert len(board) >= len(host) > 150
    assert np.array_equal(board[:len(host)].view(np.uint32), host.view(np.uint32)), \
        f'max |board - host| = {np.abs(board[:len(host)] - host).max()}'


def test_capture_lost_nothing_and_reported_it(mixed_run):
    _, result = mixed_run
    stats = result['audio_stats']
    assert stats is not None
    assert stats['ring_overflows'] == 0 and stats['dropped_samples'] == 0
    assert stats['dma_errors'] == 0 and stats['spi_overruns'] == 0
    assert stats['half_transfers'] >= 50 and result['audio_errors'] == []
    assert result['summary']['audio']['frames_dropped'] == 0


def test_front_end_fits_one_percent_of_the_core_per_hop(mixed_run):
    _, result = mixed_run
    worst = max(result['frame_cycles'])
    assert worst <= HOP_BUDGET_INSTRUCTIONS, f'{worst} instructions per hop'
    assert max(result['vad_cycles']) <= 10_000


def test_board_vad_matches_the_host_vad(mixed_run):
    audio, result = mixed_run
    assert result['vad_events'] == fe.Vad(16000).run(audio, 320)
    assert result['vad_events'], 'the mixed signal has speech'


def test_a_stalled_reader_overflows_the_ring_and_it_is_counted():
    """The app stops reading for 600 ms: the 256 ms ring overflows; the drop is counted
    and reported on the console, and capture goes on afterwards."""
    audio = signals.white_noise(2.0, rms=2000)
    result = board_check.run(audio, commands=[(0.5, 'stall 600')])
    stats = result['audio_stats']
    assert stats['ring_overflows'] >= 1
    # 600 ms stalled, 256 ms of ring: about 344 ms = 5500 samples lost (10 ms granularity)
    assert 4500 <= stats['dropped_samples'] <= 6500
    assert any('not reading audio for 600 ms' in line for line in result['lines'])
    assert len(result['features']) > 60   # frames continue after the stall


def test_a_dma_transfer_error_restarts_capture_and_is_counted():
    """The DMA stream's memory address is corrupted to DTCM (which DMA1 cannot reach): the
    simulator raises a transfer error as the bus matrix does. The driver counts it and
    restarts the stream (its address set again) and the I2S at once: frames go on, nothing
    is reported as a failure (that is only for errors that come back after each restart)."""
    def corrupt_dma_address(board):
        board.dma1.streams[0].m0ar = 0x20000000

    audio = signals.white_noise(1.0, rms=1000)
    result = board_check.run(audio, seconds=1.0,
                             commands=[(0.5, corrupt_dma_address), (0.8, 'stats')])
    assert result['audio_errors'] == []
    assert result['audio_stats']['dma_errors'] == 1
    assert result['summary']['audio']['dma_errors'][0]['region'] == 'dtcm'
    assert len(result['features']) > 35   # frames continue after the error at 0.5 s
