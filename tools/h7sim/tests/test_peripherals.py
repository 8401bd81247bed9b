"""Peripheral models on h7sim's audio_test image and unit level: I2S + DMA capture, DMA
transfer errors, late halves, WAV input, GPIO/EXTI, RCC arithmetic (the energy table has
test_energy.py)."""
import json
import wave

import numpy as np
import pytest

from h7sim.board import Board
from h7sim.errors import SimError
from h7sim.periph.microphone import MIC_WAKE_PORT, MIC_WAKE_PIN
from h7sim.wav import load_wav


def tone(seconds, rate=16000):
    t = np.arange(int(rate * seconds))
    return (np.sin(2 * np.pi * 440 * t / rate) * 12000 + (t % 97)).astype(np.int16)


def write_wav(path, samples, rate=16000, channels=1, width=2):
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def command(board, text, seconds=0.5):
    n = len(board.uart_lines)
    board.uart_write(text + '\n')
    board.run(seconds=seconds, until=lambda b: len(b.uart_lines) > n)
    return json.loads(board.uart_lines[-1])


def test_audio_reaches_memory_intact_at_16khz(audio_test_elf):
    board = Board(audio_test_elf)
    samples = tone(1.2)
    board.spi2.play(samples)
    board.run(seconds=0.1, until=lambda b: b.spi2.captures)   # after the boot lines' 8 ms
    board.run(seconds=1.0)
    status = command(board, 'status')
    assert status['captured'] == 16000 and status['halves'] == 100 and status['dma_errors'] == 0
    captured = np.frombuffer(board.read_memory(0x24000000, 32000), dtype='<i2')
    assert np.array_equal(captured, samples[:16000])
    audio = board.summary()['audio']
    assert audio['i2s_frame_rate_hz'] == 16000.0
    assert audio['frames_dropped'] == 0 and audio['half_buffers_late'] == 0
    # The right channel of the DMA buffer reads 0 (microphone on the left).
    raw = np.frombuffer(board.read_memory(0x30000000, 4 * 320), dtype='<i2')
    assert not raw[1::2].any() and raw[0::2].any()


def test_dma_into_dtcm_is_a_transfer_error(audio_test_elf):
    board = Board(audio_test_elf)
    board.spi2.play(tone(1))
    board.run(seconds=0.05)
    command(board, 'dtcm')
    board.run(seconds=0.05)
    assert command(board, 'status')['dma_errors'] == 1
    summary = board.summary()
    assert summary['audio']['dma_errors'][0]['region'] == 'dtcm'
    assert summary['audio']['frames_dropped'] > 0
    assert not board.dma1.streams[0].enabled()


def test_slow_handler_is_counted_late(audio_test_elf):
    """A handler slower than a half buffer: halves are flagged again before they are taken,
    and the samples overwritten meanwhile are among those the firmware never copied."""
    board = Board(audio_test_elf)
    board.spi2.play(np.arange(16000, dtype=np.int16))   # each sample's value is its index
    board.run(seconds=0.1, until=lambda b: b.events)    # the boot event (DMA started)
    assert command(board, 'slow') == {'event': 'slow'}
    board.run(seconds=0.1)
    audio = board.summary()['audio']
    assert audio['half_buffers_late'] > 0
    captured = board.read_u32(board.symbol('captured'))
    got = set(np.frombuffer(board.read_memory(0x24000000, 2 * captured), dtype='<i2').tolist())
    produced = audio['ground_truth']['samples_produced']
    missing = produced - len(got & set(range(produced)))
    # the handler is still slow when the run ends: up to two halves (320 samples) are in the
    # buffer, neither lost nor taken yet (test_faults.py checks the count exactly)
    overwritten = audio['ground_truth']['samples_overwritten']
    assert 0 < overwritten <= missing <= overwritten + 320


def test_wav_conversion_and_refusal(tmp_path):
    good = tmp_path / 'good.wav'
    write_wav(good, tone(0.1))
    samples, note = load_wav(str(good))
    assert note is None and len(samples) == 1600
    stereo = tmp_path / 'stereo44.wav'
    x = tone(0.1, 44100)
    write_wav(stereo, np.stack([x, x // 2], axis=1).reshape(-1), rate=44100, channels=2)
    samples, note = load_wav(str(stereo))
    assert '2 channels mixed to mono' in note and '44100 Hz -> 16000 Hz' in note
    assert abs(len(samples) - 1600) <= 1
    with pytest.raises(SimError, match='needs conversion'):
        load_wav(str(stereo), strict=True)
    junk = tmp_path / 'junk.wav'
    junk.write_bytes(b'RIFF....not a wav')
    with pytest.raises(SimError, match='not a WAV file'):
        load_wav(str(junk))
    with pytest.raises(SimError, match='no such file'):
        load_wav(str(tmp_path / 'missing.wav'))


def test_rcc_pll_arithmetic_and_flash_check(core_test_elf):
    board = Board(core_test_elf)
    rcc = board.rcc
    assert board.hz == 64_000_000
    # HSE 8 MHz / M 4 * N 480 / P 2 = 480 MHz, as platform clock.c programs it.
    rcc.regs[0x28] = (4 << 4) | 2
    rcc.regs[0x30] = (479) | (1 << 9) | (1 << 16) | (1 << 24)
    assert rcc.pll1_hz('p') == 480e6
    assert board.flash.required_latency(240e6, 'VOS0') == 4
    assert board.flash.required_latency(120e6, 'VOS2') == 2
    assert board.flash.required_latency(240e6, 'VOS1') is None


def test_profile_names_the_hot_function(core_test_elf):
    board = Board(core_test_elf, profile=True)
    board.run(seconds=0.02)
    board.uart_write('compute\n')
    board.run(seconds=0.5, until=lambda b: any(line.startswith('compute') for line in b.uart_lines))
    top = board.profile()[0]
    assert top[0] == 'compute' and top[1] > 5_000_000


def test_i2s_restart_captures_the_sound_of_the_restart_time(audio_test_elf):
    """The microphone is a continuous signal: what passes while I2S is off is not captured,
    and a restart does not replay the recording from its start."""
    board = Board(audio_test_elf)
    ramp = (np.arange(32000) % 30000).astype(np.int16)  # every sample tells its index
    board.spi2.play(ramp)
    board.run(seconds=0.3)
    assert command(board, 'i2s_off') == {'event': 'i2s_off'}
    before = command(board, 'status')['captured']
    board.run(seconds=0.5)
    assert command(board, 'status')['captured'] == before   # nothing captured while off
    assert command(board, 'i2s_on') == {'event': 'i2s_on'}
    board.run(seconds=0.3)
    after = command(board, 'status')['captured']
    captured = np.frombuffer(board.read_memory(0x24000000, 2 * after), dtype='<i2')
    assert np.array_equal(captured[:before], ramp[:before])
    (start0, stop0, first0), (start1, stop1, first1) = board.spi2.captures
    assert first0 == 0 and stop0 is not None and stop1 is None
    # the restart begins with the sample heard at its virtual time, ~0.5 s past the last one
    assert first1 == int((start1 - start0) * 16000 + 1e-6)
    assert first1 - before > 0.5 * 16000
    assert np.array_equal(captured[before:], ramp[first1:first1 + after - before])


def test_microphone_wake_pin_follows_the_sound_level(core_test_elf):
    """AAD output on the wake pin (board_pins.def MIC_WAKE): high for every 10 ms window above -55 dBFS RMS, edges at the end
    of the deciding window, a rising edge on its EXTI line when routed there."""
    from h7sim.periph.microphone import AAD_THRESHOLD_DBFS, activity_windows
    board = Board(core_test_elf)
    rng = np.random.default_rng(1)
    quiet = rng.normal(0, 32768 * 10 ** (-70 / 20), 16000)            # -70 dBFS room tone
    loud = np.sin(2 * np.pi * 300 * np.arange(4000) / 16000) * 3000  # about -21 dBFS
    audio = np.concatenate([quiet, loud, quiet]).astype(np.int16)
    assert activity_windows(audio).sum() == 25 and AAD_THRESHOLD_DBFS == -55.0
    board.microphone.play(audio)
    board.microphone.anchor(board.time)   # as if a capture had started now
    t0 = board.microphone.t0
    line = MIC_WAKE_PIN                   # EXTICRn: line <- the wake pin's port
    board.syscfg.regs[0x08 + 4 * (line // 4)] = (ord(MIC_WAKE_PORT) - ord('A')) << 4 * (line % 4)
    board.exti.regs[0x00] = 1 << line     # rising edge
    board.run(seconds=0.9)
    assert board.pin(MIC_WAKE_PORT, MIC_WAKE_PIN) == 0
    board.run(seconds=0.2)                # the sound starts at 1.0 s
    assert board.pin(MIC_WAKE_PORT, MIC_WAKE_PIN) == 1
    assert board.microphone.rising_edges == [pytest.approx(t0 + 1.01, abs=1e-4)]
    assert board.exti.regs[0x88] >> line & 1
    board.run(seconds=0.5)
    assert board.pin(MIC_WAKE_PORT, MIC_WAKE_PIN) == 0 and len(board.microphone.rising_edges) == 1


@pytest.mark.parametrize('lsi_hz', [None, 31_040])
def test_lptim1_counts_lsi_in_virtual_time(core_test_elf, lsi_hz):
    """LPTIM1 on LSI / 32 (1 kHz at the nominal 32 kHz): the count the platform uses to time
    Stop mode, at the part's own LSI (Board(lsi_hz=...)); the watchdog runs on the same LSI."""
    board = Board(core_test_elf, lsi_hz=lsi_hz)
    hz = lsi_hz or 32_000
    board.rcc.write32(0x74, 1)                        # RCC_CSR.LSION
    board.rcc.write32(0x54, 4 << 28)                  # D2CCIP2R.LPTIM1SEL = LSI
    lptim = board.lptim1
    lptim.write32(0x0C, 5 << 9)                       # PRESC /32
    lptim.write32(0x10, 1)                            # ENABLE
    lptim.write32(0x18, 0xFFFF)                       # ARR
    assert lptim.read32(0x00) & (1 << 4)              # ARROK
    lptim.write32(0x10, 1 | 4)                        # CNTSTRT
    board.run(seconds=0.25)
    assert abs(lptim.read32(0x1C) - 0.25 * hz / 32) <= 1
    lptim.write32(0x10, 0)
    assert lptim.read32(0x1C) == 0
    # IWDG1: prescaler /4, reload 4095: 4096 x 4 LSI periods
    assert board.iwdg.timeout() == pytest.approx(4096 * 4 / hz)


def test_i2s_suspend_stops_at_a_frame_end_and_the_dma_misses_nothing(audio_test_elf):
    """RM0433 master receiver suspend (what h7audio_stop relies on): CSUSP stops the clock at
    the end of the frame in progress, sets SUSP (cleared by IFCR.SUSPC) and clears CSTART and
    CSUSP; after SUSP no sample is produced, so the DMA stream can be disabled without one
    arriving that nobody takes."""
    from h7sim.periph.dma import EN, STREAM0, SxCR
    from h7sim.periph.spi_i2s import CR1, CSTART, CSUSP, IFCR, SPE, SR, SUSP
    board = Board(audio_test_elf)
    board.spi2.play(tone(1))
    board.run(seconds=0.1)
    spi = board.spi2
    spi.write32(CR1, SPE | CSTART | CSUSP)
    assert not spi.read32(SR) & SUSP    # the frame in progress is still being clocked
    board.run(seconds=0.001)             # one frame is 62.5 us
    assert spi.read32(SR) & SUSP and spi.read32(CR1) == SPE
    assert spi.produced % 2 == 0 and spi.captures[-1][1] is not None   # stopped at a frame end
    produced = spi.samples_produced
    board.dma1.write32(STREAM0 + SxCR, board.dma1.read32(STREAM0 + SxCR) & ~EN)
    board.run(seconds=0.05)
    assert spi.samples_produced == produced            # no clock while suspended
    assert spi.samples_written == produced and spi.samples_dropped == 0 and spi.fifo == 0
    spi.write32(IFCR, SUSP)                             # SUSPC
    assert not spi.read32(SR) & SUSP



def test_fault_suspend_ignored_keeps_clocking_into_the_fifo_then_overruns(audio_test_elf):
    """The 'suspend-ignored' fault (a suspend that never comes): CSUSP has no effect, so with
    the DMA stream disabled the half-words go to the RX FIFO (8 deep), then overrun;
    the CPU's reads of RXDR are counted as samples taken from the FIFO."""
    from h7sim.periph.dma import EN, STREAM0, SxCR
    from h7sim.periph.spi_i2s import CR1, CSTART, CSUSP, OVR, RXDR, RXP, SPE, SR, SUSP
    board = Board(audio_test_elf)
    board.spi2.play(tone(1))
    board.run(seconds=0.1)
    board.inject('suspend-ignored', board.time)
    board.run(seconds=0.001)
    spi = board.spi2
    spi.write32(CR1, SPE | CSTART | CSUSP)
    board.run(seconds=0.001)
    assert not spi.read32(SR) & SUSP and spi.running      # still clocking
    board.dma1.write32(STREAM0 + SxCR, board.dma1.read32(STREAM0 + SxCR) & ~EN)
    board.run(seconds=0.0002)                              # about 3 frames: into the FIFO
    assert spi.read32(SR) & RXP and not spi.read32(SR) & OVR
    spi.read32(RXDR)
    spi.read32(RXDR)                                       # one frame: L and R half-words
    assert spi.fifo_samples_read == 1
    board.run(seconds=0.001)                               # 16 more frames: the FIFO overflows
    assert spi.read32(SR) & OVR and spi.samples_dropped > 0