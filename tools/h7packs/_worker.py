"""Child process of `h7voice packs fetch` (killed by the parent on its timeout):
    index <dir> [--vidx-list F]          pack descriptions and the device index
    packs <dir> <device> [--vidx-list F] the device's pack and Arm's CMSIS pack, with the
                                         device header and start-up file unpacked
Prints one JSON line; the library's own chatter goes to stderr."""
import contextlib
import glob
import json
import os
import re
import sys

MEMBERS = ('Include/stm32h743xx.h', 'Include/stm32h7xx.h', 'Include/system_stm32h7xx.h',
           'Source/Templates/gcc/startup_stm32h743xx.s')


def _cache(folder, vidx_list):
    import cmsis_pack_manager
    return cmsis_pack_manager.Cache(True, True, json_path=folder, data_path=folder, vidx_list=vidx_list)


def _version_key(path):
    return [int(x) if x.isdigit() else x for x in re.split(r'[.-]', os.path.basename(path))]


def main(argv):
    what, folder = argv[0], argv[1]
    vidx = argv[argv.index('--vidx-list') + 1] if '--vidx-list' in argv else None
    with contextlib.redirect_stdout(sys.stderr):
        cache = _cache(folder, vidx)
        if what == 'index':
            cache.cache_descriptors()
            result = {'devices': len(cache.index)}
        else:
            import cmsis_pack_manager
            device = argv[2]
            devices = [d for name, d in cache.index.items() if name.upper().startswith(device.upper()[:9])]
            if not devices:
                raise SystemExit(f'{device} is in no pack description')
            refs = cache.packs_for_devices(devices[:1])
            cmsis = sorted(glob.glob(os.path.join(folder, 'ARM.CMSIS.*.pdsc')), key=_version_key)
            if cmsis:
                version = os.path.basename(cmsis[-1])[len('ARM.CMSIS.'):-len('.pdsc')]
                refs.append(cmsis_pack_manager.CmsisPackRef('ARM', 'CMSIS', version))
            cache.download_pack_list(refs)
            pack = cache.pack_from_cache(devices[0])
            header = None
            for info in pack.infolist():
                if info.filename.endswith(MEMBERS):
                    pack.extract(info, os.path.join(folder, 'STM32H7xx_DFP'))
                    if info.filename.endswith('stm32h743xx.h'):
                        header = os.path.join(folder, 'STM32H7xx_DFP', info.filename)
            if header is None:
                raise SystemExit('the device pack holds no stm32h743xx.h')
            result = {'packs': [str(r) for r in refs], 'header': header}
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
