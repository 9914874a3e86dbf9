"""Benchmark of label output: a 1,000-label A4 PDF, 1,000 thermal PNGs and the print page's SVG, each as a ratio
to generating the same 1,000 QR matrices with the QR library in the same run (so the figures travel across machines).

    python bench/labels_bench.py [--count 1000] [--layout a4-3x8] [--thermal thermal-50x30] [--dpi 203]

Writes its files into bench/out/ (git-ignored). No database: it times the drawing, which is what grows with a batch.
"""
import argparse
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from houqin.labels import render  # noqa: E402
from houqin.labels.compose import LabelContent  # noqa: E402
from houqin.labels.fonts import find_label_font  # noqa: E402
from houqin.labels.layouts import BUILTIN_LAYOUTS  # noqa: E402
from houqin.labels.selection import compose_labels  # noqa: E402
from houqin.tags import new_token, payload_plan, qr_matrix  # noqa: E402

BASE_URL = 'http://school.example.cn'
NAMES = ['男厕所', '女厕所', '一年级(1)班', '多功能报告厅', '干粉灭火器 4kg MHQ-{n:04d}', '课桌 KZ-{n:04d}',
         '教学楼三楼东侧女卫生间（教师专用）', '计算机教室', '室内消火栓 XHS-{n:04d}', '投影仪 TYY-{n:04d}']
LOCATIONS = ['教学楼 › 一楼', '教学楼 › 三楼 › 301教室', '综合楼 › 二楼 › 多功能报告厅', '男生宿舍 › 四楼']


def contents(count):
    """Label words like a real school's: short and long names, asset numbers, paths."""
    return [LabelContent(new_token(), NAMES[i % len(NAMES)].format(n=i), LOCATIONS[i % len(LOCATIONS)],
                         '青石镇中心学校') for i in range(count)]


def timed(label, work, repeat):
    """Run work() `repeat` times; (fastest seconds, last result). The fastest run is the least disturbed."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    print(f'  {label}: ' + ', '.join(f'{t:.3f}' for t in times) + ' s', flush=True)
    return min(times), result


def peak_mb():
    """The process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=1000)
    parser.add_argument('--layout', default='a4-3x8')
    parser.add_argument('--thermal', default='thermal-50x30')
    parser.add_argument('--dpi', type=int, default=203)
    parser.add_argument('--repeat', type=int, default=3, help='runs of each step; the fastest counts')
    args = parser.parse_args()
    out = os.path.join(ROOT, 'bench', 'out')
    os.makedirs(out, exist_ok=True)
    font = find_label_font()
    plan = payload_plan(BASE_URL)
    batch = contents(args.count)
    sheet, roll = BUILTIN_LAYOUTS[args.layout], BUILTIN_LAYOUTS[args.thermal]
    print(f'{args.count} labels, font {font.path}#{font.index}, payload {plan.url("X" * 10)} '
          f'({"alphanumeric" if plan.alphanumeric else "byte"} mode)')
    qr_matrix(plan.url(batch[0].token))  # warm-up: imports and tables

    base, _ = timed('QR matrices only (qrcode)', lambda: [qr_matrix(plan.url(c.token)) for c in batch],
                     args.repeat)
    memory_before = peak_mb()

    pdf_path = os.path.join(out, f'labels-{args.layout}-{args.count}.pdf')

    def write_pdf():
        with open(pdf_path, 'wb') as fh:
            return render.write_pdf(fh, sheet, compose_labels(sheet, batch, BASE_URL, font), font)
    pdf_s, _ = timed(f'PDF {args.layout}', write_pdf, args.repeat)
    pdf_memory = peak_mb()

    png_dir = os.path.join(out, f'png-{args.thermal}-{args.dpi}')
    os.makedirs(png_dir, exist_ok=True)

    def write_pngs():
        for index, drawing in enumerate(compose_labels(roll, batch, BASE_URL, font), start=1):
            with open(os.path.join(png_dir, f'{index:04d}.png'), 'wb') as fh:
                fh.write(render.png_bytes(drawing, args.dpi, font))
    png_s, _ = timed(f'PNG {args.thermal} at {args.dpi} dpi', write_pngs, args.repeat)
    png_bytes = sum(os.path.getsize(os.path.join(png_dir, f)) for f in os.listdir(png_dir))

    svg_s, svg_pages = timed(f'print page SVG {args.layout}', lambda: [
        render.svg_page(sheet, placed) for placed in render.pages(sheet, compose_labels(sheet, batch, BASE_URL, font))],
        args.repeat)
    svg_bytes = sum(len(p.encode()) for p in svg_pages)

    pdf_bytes = os.path.getsize(pdf_path)
    print()
    print('| output | seconds | ratio to QR matrices | size |')
    print('| --- | --- | --- | --- |')
    print(f'| {args.count} QR matrices (qrcode, ECC M) | {base:.2f} | 1.0 | — |')
    print(f'| {args.count}-label PDF, {args.layout} | {pdf_s:.2f} | {pdf_s / base:.1f} | {pdf_bytes / 1024:.0f} KB '
          f'({pdf_bytes / args.count / 1024:.2f} KB a label) |')
    print(f'| {args.count} PNGs, {args.thermal} at {args.dpi} dpi | {png_s:.2f} | {png_s / base:.1f} | '
          f'{png_bytes / 1024:.0f} KB in all |')
    print(f'| print page SVG, {args.layout} | {svg_s:.2f} | {svg_s / base:.1f} | {svg_bytes / 1024:.0f} KB of HTML |')
    print(f'\npeak memory: {memory_before:.0f} MB before the PDF, {pdf_memory:.0f} MB after it')


if __name__ == '__main__':
    main()
