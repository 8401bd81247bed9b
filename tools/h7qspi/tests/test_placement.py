"""Where the build puts a model (tools/h7qspi/placement.py), and the one-line refusal of a
model that fits no flash."""
import json

import pytest

from h7qspi import placement as p


def test_internal_when_it_fits_beside_the_image_else_qspi():
    image = 60_000
    free = p.INTERNAL_FLASH_BYTES - image
    assert p.decide(free - p.ALIGN, image) == 'internal'
    assert p.decide(free - p.ALIGN + 1, image) == 'qspi'
    assert p.decide(p.QSPI_FLASH_BYTES, image) == 'qspi'


def test_a_model_larger_than_both_flashes_is_one_clear_error():
    with pytest.raises(p.PlacementError, match=r'fits neither the internal flash .* nor the QSPI flash \(8388608'):
        p.decide(p.QSPI_FLASH_BYTES + 1, 60_000)
    with pytest.raises(p.PlacementError, match=r'big.tflite: 8388609 bytes fit neither'):
        p.check_capacity(p.QSPI_FLASH_BYTES + 1, 'big.tflite')
    p.check_capacity(p.QSPI_FLASH_BYTES)  # fits the QSPI flash: no error


def test_flash_use_comes_from_the_memory_report(tmp_path):
    report = tmp_path / 'x.memory.json'
    report.write_text(json.dumps({'regions': [{'name': 'DTCM', 'used': 5}, {'name': 'FLASH', 'used': 51360}]}))
    assert p.internal_flash_used(str(report)) == 51360
    report.write_text(json.dumps({'regions': []}))
    with pytest.raises(p.PlacementError, match='no FLASH region'):
        p.internal_flash_used(str(report))


def test_the_model_array_moves_to_the_qspi_section():
    assert p.qspi_section_args('big') == [
        '--rename-section', '.rodata.h7nn_big_model_data=.qspi.h7nn_big_model_data,alloc,load,readonly,data,contents']
