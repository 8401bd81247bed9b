"""python -m memreport --map app.map [--elf app.elf] [--json out.json] [--text out.txt]"""
import argparse
import sys

from memreport.mapfile import MemReportError
from memreport.report import build_report, format_text, write_outputs


def parse_budget(text):
    try:
        region, value = text.split('=', 1)
        value = value.strip().upper()
        scale = 1024 if value.endswith('K') else 1024 * 1024 if value.endswith('M') else 1
        return region.strip(), int(value.rstrip('KM'), 0) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f'budget must look like FLASH=512K, got {text!r}')


def main(argv=None):
    ap = argparse.ArgumentParser(prog='memreport', description='Flash/RAM and stack report of '
                                 'a firmware image from its GNU ld map file (and ELF).')
    ap.add_argument('--map', required=True, help='GNU ld map file (-Wl,-Map=...)')
    ap.add_argument('--elf', help='the linked ELF, for the call graph and worst stack path')
    ap.add_argument('--name', help='image name in the report (default: map file name)')
    ap.add_argument('--json', help='write the report as JSON here')
    ap.add_argument('--text', help='write the readable report here')
    ap.add_argument('--budget', action='append', type=parse_budget, default=[],
                    metavar='REGION=BYTES', help='a tighter budget, e.g. FLASH=512K (repeatable)')
    ap.add_argument('--objdump', default='arm-none-eabi-objdump')
    args = ap.parse_args(argv)
    try:
        report = build_report(args.map, elf_path=args.elf, name=args.name, objdump=args.objdump,
                              budgets=dict(args.budget))
        write_outputs(report, json_path=args.json, text_path=args.text)
    except MemReportError as err:
        print(f'memreport: error: {err}', file=sys.stderr)
        return 2
    print(format_text(report))
    for o in report['over_budget']:
        print(f"memreport: error: region {o['region']} overflowed by {o['overflow_bytes']} bytes",
              file=sys.stderr)
    return 1 if report['over_budget'] else 0


if __name__ == '__main__':
    sys.exit(main())
