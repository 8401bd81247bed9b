"""Alignment results as JSON, a Praat TextGrid (long text format), CSV, and a plot of the
words over the spectrogram."""
import csv
import io
import json


def to_json(result):
    return json.dumps(result, indent=1) + '\n'


def _tier(name, items, label, total):
    """An IntervalTier: the items in order, gaps (pauses) as empty intervals; Praat wants
    the intervals to tile [0, total]."""
    iv, t = [], 0.0
    for it in items:
        a, b = it['start_s'], it['end_s']
        if a > t + 1e-9:
            iv.append((t, a, ''))
        a = max(a, t)
        if b > a:
            iv.append((a, b, label(it)))
            t = b
    if total > t + 1e-9:
        iv.append((t, total, ''))
    out = ['        class = "IntervalTier"', '        name = "%s"' % name, '        xmin = 0',
           '        xmax = %s' % _num(total), '        intervals: size = %d' % len(iv)]
    for k, (a, b, text) in enumerate(iv, 1):
        out += ['        intervals [%d]:' % k, '            xmin = %s' % _num(a),
                '            xmax = %s' % _num(b), '            text = "%s"' % text.replace('"', '""')]
    return out


def _num(x):
    return ('%.3f' % x).rstrip('0').rstrip('.') if x else '0'


def to_textgrid(result, duration_s):
    total = max([duration_s] + [w['end_s'] for w in result['words']] + [p['end_s'] for p in result['phones']])
    phones = [p for p in result['phones'] if p['phone'] != 'SIL']
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', '', 'xmin = 0',
             'xmax = %s' % _num(total), 'tiers? <exists>', 'size = 2', 'item []:', '    item [1]:']
    lines += _tier('words', result['words'], lambda w: w['word'], total)
    lines += ['    item [2]:']
    lines += _tier('phones', phones, lambda p: p['phone'], total)
    return '\n'.join(lines) + '\n'


def read_textgrid_tier(text, name):
    """[(xmin, xmax, text)] of the non-empty intervals of tier `name` (long format)."""
    out, in_tier, cur = [], False, {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('name ='):
            in_tier = line.split('=', 1)[1].strip().strip('"') == name
        elif in_tier and line.startswith(('xmin =', 'xmax =')):
            cur[line[:4]] = float(line.split('=', 1)[1])
        elif in_tier and line.startswith('text ='):
            t = line.split('=', 1)[1].strip()[1:-1].replace('""', '"')
            if t:
                out.append((cur['xmin'], cur['xmax'], t))
    return out


def to_csv(result):
    f = io.StringIO()
    w = csv.writer(f, lineterminator='\n')
    w.writerow(['tier', 'label', 'start_s', 'end_s', 'score'])
    for x in result['words']:
        w.writerow(['word', x['word'], '%.3f' % x['start_s'], '%.3f' % x['end_s'], '%.3f' % x['score']])
    for x in result['phones']:
        w.writerow(['phone', x['phone'], '%.3f' % x['start_s'], '%.3f' % x['end_s'], '%.3f' % x['score']])
    return f.getvalue()


def plot(result, samples, rate, path, title=None):
    """The words (and their phones) over a spectrogram of the audio, to a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    x = np.asarray(samples, dtype=np.float32) / 32768.0
    seconds = len(x) / rate
    fig, ax = plt.subplots(figsize=(max(8, min(40, seconds * 1.6)), 4.2))
    ax.specgram(x + 1e-7, NFFT=512, Fs=rate, noverlap=512 - 160, cmap='magma')
    ax.set_ylim(0, 8000)
    ax.set_xlim(0, seconds)
    ax.set_xlabel('time (s)')
    ax.set_ylabel('Hz')
    for k, w in enumerate(result['words']):
        ax.axvline(w['start_s'], color='cyan', lw=0.8)
        ax.axvline(w['end_s'], color='cyan', lw=0.8, ls=':')
        ax.text((w['start_s'] + w['end_s']) / 2, 7600 - 500 * (k % 2), w['word'], color='white',
                ha='center', va='top', fontsize=8, bbox=dict(facecolor='black', alpha=0.5, pad=1, lw=0))
    for p in result['phones']:
        if p['phone'] != 'SIL':
            ax.text((p['start_s'] + p['end_s']) / 2, 300, p['phone'], color='yellow', ha='center',
                    fontsize=5.5, rotation=90)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
