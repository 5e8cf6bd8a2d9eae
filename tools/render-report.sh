#!/usr/bin/env bash
# Renders a gpufit ladder report (the folder written by `gpufit ladder --report DIR`) to PNG with headless
# Chromium: every figure DIR/NAME.svg to OUT/NAME.png, and the whole page DIR/report.html to OUT/report.png
# (plus OUT/report.pdf, A4). Run by hand; used to make the README's figures in docs/figures/.
#
#   tools/render-report.sh DIR [OUT] [--scale S] [--only NAME,NAME,...]
#
# OUT defaults to DIR/png. --scale is the device pixel ratio of the PNGs (default 2: sharp at A4 width).
# --only renders just these figures (names without .svg) and skips the page. Needs chromium
# (Debian: apt-get install chromium); python3, if present, trims the page PNG's empty bottom.
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

dir="" out="" scale=2 only=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage 0 ;;
        --scale) scale="${2:?--scale needs a value}"; shift 2 ;;
        --only) only="${2:?--only needs a list}"; shift 2 ;;
        -*) echo "render-report.sh: unknown option $1" >&2; usage 2 ;;
        *) if [ -z "$dir" ]; then dir="$1"; elif [ -z "$out" ]; then out="$1"; else echo "render-report.sh: too many arguments" >&2; usage 2; fi; shift ;;
    esac
done
[ -n "$dir" ] || usage 2
[ -d "$dir" ] || { echo "render-report.sh: $dir: no such folder (write one with: gpufit ladder --report $dir)" >&2; exit 1; }
[ -f "$dir/report.html" ] || { echo "render-report.sh: $dir/report.html is missing; is $dir a gpufit report folder?" >&2; exit 1; }
out="${out:-$dir/png}"
mkdir -p "$out"

chrome=""
for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then chrome="$c"; break; fi
done
[ -n "$chrome" ] || { echo "render-report.sh: chromium not found; install it (Debian: apt-get install chromium)" >&2; exit 1; }

dir="$(cd "$dir" && pwd)"
out="$(cd "$out" && pwd)"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

headless() {
    "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check \
        --user-data-dir="$profile" --run-all-compositor-stages-before-draw --virtual-time-budget=2000 "$@" >/dev/null 2>&1
}

# Width and height of an SVG from its root element's width="..." height="..." attributes.
svg_size() {
    head -c 600 "$1" | tr '\n' ' ' | sed -n 's/.*<svg[^>]* width="\([0-9.]*\)" height="\([0-9.]*\)".*/\1 \2/p'
}

rendered=0
for svg in "$dir"/*.svg; do
    [ -e "$svg" ] || continue
    name="$(basename "$svg" .svg)"
    if [ -n "$only" ] && ! printf ',%s,' "$only" | grep -q ",$name,"; then continue; fi
    read -r w h <<<"$(svg_size "$svg")"
    [ -n "${w:-}" ] || { echo "render-report.sh: $svg: no width/height on the <svg> element; skipped" >&2; continue; }
    w="${w%.*}"; h="${h%.*}"
    # A tiny HTML page with no margin, so the window is exactly the figure.
    page="$profile/$name.html"
    printf '<!DOCTYPE html><html><head><meta charset="utf-8"/><style>html,body{margin:0;padding:0;background:#fff}img{display:block}</style></head><body><img src="file://%s" width="%s" height="%s"/></body></html>' \
        "$svg" "$w" "$h" >"$page"
    headless --force-device-scale-factor="$scale" --window-size="$w,$h" --screenshot="$out/$name.png" "file://$page"
    [ -s "$out/$name.png" ] || { echo "render-report.sh: chromium wrote no $out/$name.png" >&2; exit 1; }
    echo "$out/$name.png"
    rendered=$((rendered + 1))
done

if [ -z "$only" ]; then
    headless --print-to-pdf="$out/report.pdf" --no-pdf-header-footer "file://$dir/report.html"
    [ -s "$out/report.pdf" ] && echo "$out/report.pdf"
    # The page as one PNG: a tall window, then the empty bottom trimmed (python3, standard library only).
    headless --force-device-scale-factor=1 --window-size=800,30000 --screenshot="$out/report.png" "file://$dir/report.html"
    if command -v python3 >/dev/null 2>&1 && [ -s "$out/report.png" ]; then
        python3 - "$out/report.png" <<'PY' || echo "render-report.sh: could not trim $out/report.png (left as is)" >&2
import struct, sys, zlib
path = sys.argv[1]
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, chunks = 8, []
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunks.append((kind, data[pos + 8:pos + 8 + n]))
    pos += 12 + n
ihdr = dict(chunks)[b"IHDR"]
w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", ihdr)
channels = {2: 3, 6: 4}.get(color)
if depth != 8 or channels is None or interlace:
    sys.exit(0)  # not the plain RGB(A) Chromium writes: leave it
raw = zlib.decompress(b"".join(c for k, c in chunks if k == b"IDAT"))
stride = w * channels
rowlen = stride + 1
# Walk up from the bottom without unfiltering: a row filtered "Up" with all-zero bytes repeats the row above;
# a row filtered "None" with all 255, or "Sub" with one white pixel then zeros, is white on its own.
same = bytes(stride)
white = {0: b"\xff" * stride, 1: b"\xff" * channels + bytes(stride - channels)}
cut, r = h, h - 1
while r >= 0:
    f, d = raw[r * rowlen], raw[r * rowlen + 1:(r + 1) * rowlen]
    if f == 2 and d == same:
        r -= 1
        continue
    if white.get(f) == d:
        cut = r
        r -= 1
        continue
    break
keep = min(h, cut + 24)
if keep >= h:
    sys.exit(0)
body = zlib.compress(raw[:keep * rowlen], 9)
def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xffffffff)
out = data[:8] + chunk(b"IHDR", struct.pack(">IIBBBBB", w, keep, 8, color, 0, 0, 0)) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
open(path, "wb").write(out)
PY
    fi
    [ -s "$out/report.png" ] && echo "$out/report.png"
fi
[ "$rendered" -gt 0 ] || [ -z "$only" ] || { echo "render-report.sh: none of '$only' found in $dir" >&2; exit 1; }
