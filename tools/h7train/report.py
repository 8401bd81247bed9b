"""Stage table (markdown) and PNG plots: training curves and confusion matrices."""
import io
import os

import numpy as np

from h7data.wavio import atomic_write_bytes


def _save(fig, path):
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=72, bbox_inches='tight')
    atomic_write_bytes(path, buf.getvalue())


def plot_curves(histories, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for name, h in histories.items():
        axes[0].plot(np.arange(1, len(h['loss']) + 1), h['loss'], label=name)
        axes[1].plot(np.arange(1, len(h['val_acc']) + 1), 100 * np.asarray(h['val_acc']), label=name)
    axes[0].set_title('training loss')
    axes[1].set_title('validation accuracy (%)')
    for a in axes:
        a.set_xlabel('epoch')
        a.grid(alpha=0.3)
    axes[1].legend(fontsize=7)
    _save(fig, path)
    plt.close(fig)


def plot_confusion(confusion, labels, title, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    c = np.asarray(confusion, float)
    norm = c / np.maximum(c.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    ax.imshow(norm, cmap='Blues', vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=60, fontsize=7)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=7)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if c[i, j]:
                ax.text(j, i, int(c[i, j]), ha='center', va='center', fontsize=5,
                        color='white' if norm[i, j] > 0.5 else 'black')
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title(title, fontsize=9)
    _save(fig, path)
    plt.close(fig)


def plot_snr(reports, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.5, 3))
    for name, r in reports.items():
        snrs = sorted(r['snr'], key=float)
        ax.plot([float(s) for s in snrs], [100 * r['snr'][s] for s in snrs], marker='o', label=name)
    ax.set_xlabel('SNR (dB)')
    ax.set_ylabel('accuracy (%)')
    ax.set_title('held-out voices in noise (int8)', fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    _save(fig, path)
    plt.close(fig)


def stage_table(rows):
    """rows: dicts with stage, params, nonzero, int8_bytes, macs, float/int8 accuracies."""
    def pct(v):
        return '—' if v is None else f'{100 * v:.2f}'
    head = ('| stage | model | params | non-zero | int8 weight bytes | .tflite bytes | MACs | '
            'val float % | held-out voices float % | held-out voices int8 % | '
            'held-out engine float % | held-out engine int8 % |')
    lines = [head, '|' + '---|' * 12]
    for r in rows:
        lines.append(
            f"| {r['stage']} | {r['model']} | {r['params']:,} | {r['nonzero']:,} | "
            f"{r['int8_weight_bytes']:,} | {r.get('tflite_bytes') and format(r['tflite_bytes'], ',') or '—'} | "
            f"{r['macs']:,} | {pct(r.get('val'))} | {pct(r.get('voices_float'))} | "
            f"{pct(r.get('voices_int8'))} | {pct(r.get('engine_float'))} | {pct(r.get('engine_int8'))} |")
    return '\n'.join(lines)
