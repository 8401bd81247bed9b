"""Where a model's bytes go in a firmware image: internal flash when they fit beside the
rest of the image, else the QSPI flash (the image's .qspi section at 0x90000000, the
W25Q64JV's 8 MB). Used by the build (firmware/apps/qspi_bench/SConscript), which links a
probe image with the model in QSPI, reads its internal-flash use from its memory report
and decides; the final image is linked with the model where it goes.

The model array is one object section (.rodata.h7nn_<name>_model_data, -fdata-sections);
placing it in QSPI renames that section to .qspi.<...> in a copy of the model's object."""
import json
import os

INTERNAL_FLASH_BYTES = 2 * 1024 * 1024
QSPI_FLASH_BYTES = 8 * 1024 * 1024
ALIGN = 16


class PlacementError(Exception):
    """A model that fits nowhere (one line, names the sizes)."""


def internal_flash_used(memory_json):
    with open(memory_json) as f:
        report = json.load(f)
    for region in report['regions']:
        if region['name'] == 'FLASH':
            return region['used']
    raise PlacementError(f'{memory_json}: no FLASH region in the memory report')


def decide(model_bytes, image_flash_used, internal=INTERNAL_FLASH_BYTES, qspi=QSPI_FLASH_BYTES):
    """'internal' or 'qspi' for a model of model_bytes beside an image that uses
    image_flash_used bytes of internal flash without it."""
    need = model_bytes + ALIGN
    free = internal - image_flash_used
    if need <= free:
        return 'internal'
    if model_bytes <= qspi:
        return 'qspi'
    raise PlacementError(f'model of {model_bytes} bytes fits neither the internal flash ({free} bytes free '
                         f'beside the {image_flash_used}-byte image) nor the QSPI flash ({qspi} bytes)')


def check_capacity(model_bytes, tflite='model'):
    """Before anything is built: a model larger than both flashes can fit nowhere."""
    if model_bytes > QSPI_FLASH_BYTES and model_bytes > INTERNAL_FLASH_BYTES:
        raise PlacementError(f'{tflite}: {model_bytes} bytes fit neither the internal flash '
                             f'({INTERNAL_FLASH_BYTES} bytes, less the image) nor the QSPI flash '
                             f'({QSPI_FLASH_BYTES} bytes, W25Q64JV)')


def section_name(name):
    return f'.rodata.h7nn_{name}_model_data'


def qspi_section_args(name):
    """objcopy arguments that move the model array to the .qspi section."""
    old = section_name(name)
    return ['--rename-section', f'{old}=.qspi{old[len(".rodata"):]},alloc,load,readonly,data,contents']


def model_size(tflite):
    return os.path.getsize(tflite)
