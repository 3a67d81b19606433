#!/bin/bash
# pgtrace plot: every kind as a valid PNG and SVG of the size asked for,
# from generated and imported traces; the heatmap's pixels show the
# pattern (a sequential trace is a rising diagonal, decoded here with
# t/png.py); options, bad input, and how the picture is written.
. "$(dirname "$0")/lib-test.sh"

KINDS="heatmap fileheat irf reuse mrc wss popularity phase"

test_expect_success 'setup: png.py decodes every filter and colour type and refuses damage' '
	png selftest
'
test_expect_success 'setup: a mix trace, an imported trace-cmd trace, sequential and reverse traces' '
	pgtrace gen -p mix --pages 5000 -n 200000 --seed 3 -o m.pgt &&
	pgtrace import -o tc.pgt "$TEST_DIR/data/trace-cmd-cat.txt" &&
	pgtrace gen -p sequential --pages 100000 -n 100000 -o seq.pgt &&
	pgtrace gen -p reverse --pages 100000 -n 100000 -o rev.pgt
'
# each kind in both formats, at the default and at an asked-for size
for t in m tc; do
	test_expect_success "every kind as PNG and SVG of $t.pgt, the size asked for, mode 0600" '
		for k in $KINDS; do
			pgtrace plot $k -o $t-$k.png $t.pgt &&
			pgtrace plot $k -o $t-$k.svg $t.pgt &&
			pgtrace plot $k --width 640 --height 410 -o $t-$k-small.png $t.pgt &&
			pgtrace plot $k --width 640 --height 410 -o $t-$k-small.svg $t.pgt &&
			test "$(png check $t-$k.png 1000 600)" = png &&
			test "$(png check $t-$k.svg 1000 600)" = svg &&
			test "$(png check $t-$k-small.png 640 410)" = png &&
			test "$(png check $t-$k-small.svg 640 410)" = svg &&
			test "$(stat -c %a $t-$k.png $t-$k.svg | sort -u)" = 600 || { echo "kind $k"; exit 1; }
		done
	'
done
test_expect_success 'a PNG: IHDR of --width x --height, IDAT inflating to rows of the right size' '
	python3 - m-wss-small.png <<-\EOF
	import struct, sys, zlib
	d = open(sys.argv[1], "rb").read()
	assert d[:8] == b"\x89PNG\r\n\x1a\n", d[:8]
	n, kind = struct.unpack(">I4s", d[8:16])
	assert kind == b"IHDR" and n == 13
	w, h, depth, ct = struct.unpack(">IIBB", d[16:26])
	assert (w, h) == (640, 410), (w, h)
	chans = {2: 3, 6: 4}[ct]
	pos, idat = 8, b""
	while pos < len(d):
	    n, kind = struct.unpack(">I4s", d[pos:pos + 8])
	    if kind == b"IDAT":
	        idat += d[pos + 8:pos + 8 + n]
	    pos += 12 + n
	raw = zlib.decompress(idat)
	assert depth == 8 and len(raw) == h * (1 + w * chans), (depth, len(raw))
	assert all(raw[y * (1 + w * chans)] <= 4 for y in range(h))
	EOF
'
test_expect_success 'an SVG: xml.etree parses it; width, height and viewBox as asked' '
	python3 - m-phase-small.svg <<-\EOF
	import sys, xml.etree.ElementTree as ET
	r = ET.parse(sys.argv[1]).getroot()
	assert r.tag == "{http://www.w3.org/2000/svg}svg", r.tag
	assert r.get("width").rstrip("pt") == "640" and r.get("height").rstrip("pt") == "410", r.attrib
	assert r.get("viewBox") == "0 0 640 410", r.get("viewBox")
	assert len(list(r.iter())) > 20
	EOF
'
test_expect_success 'pixels: a sequential trace draws a rising diagonal across the plot area' '
	pgtrace plot heatmap -o seq.png seq.pgt &&
	png diagonal seq.png >seq.json && cat seq.json &&
	test_json_assert seq.json "
assert d[\"corr\"] < -0.95, d
assert d[\"columns\"] > 0.9 * d[\"width\"], d
assert d[\"start\"] < 0.1 and d[\"end\"] > 0.9, d"
'
test_expect_success 'pixels: a reverse trace draws a falling diagonal' '
	pgtrace plot heatmap -o rev.png rev.pgt &&
	png diagonal rev.png >rev.json && cat rev.json &&
	test_json_assert rev.json "
assert d[\"corr\"] > 0.95, d
assert d[\"columns\"] > 0.9 * d[\"width\"], d
assert d[\"start\"] > 0.9 and d[\"end\"] < 0.1, d"
'
test_expect_success 'pixels: the same diagonal from a pipe (time bins doubling as events come)' '
	cat seq.pgt | pgtrace plot heatmap -o pipe.png - &&
	png diagonal pipe.png >pipe.json && cat pipe.json &&
	test_json_assert pipe.json "assert d[\"corr\"] < -0.95 and d[\"start\"] < 0.1 and d[\"end\"] > 0.9, d"
'
test_expect_success 'pixels: the frame is found from the image, and moves with --width and --height' '
	pgtrace plot heatmap --width 700 --height 450 -o seq-small.png seq.pgt &&
	png diagonal seq-small.png >small.json && cat small.json &&
	python3 -c "import json; d = json.load(open(\"small.json\")); b = json.load(open(\"seq.json\"))
assert d[\"frame\"][2] < b[\"frame\"][2] - 250 and d[\"frame\"][3] < b[\"frame\"][3] - 100, (d, b)
assert d[\"corr\"] < -0.95, d"
'
test_expect_success '--top: a heatmap band per object, up to N (red lines between bands)' '
	for n in 1 2 8; do
		pgtrace plot heatmap --top $n -o top$n.png m.pgt && png bands top$n.png >top$n.json || exit 1
	done &&
	cat top1.json top2.json top8.json &&
	test "$(test_json top1.json "d[\"lines\"]")" = "[]" &&
	test_json_assert top2.json "assert len(d[\"lines\"]) == 1" &&
	test_json_assert top8.json "assert len(d[\"lines\"]) == 3" &&
	pgtrace plot fileheat --top 2 -o ft2.png m.pgt && pgtrace plot fileheat -o ft8.png m.pgt &&
	! cmp -s ft2.png ft8.png
'
test_expect_success '--title changes the title strip only; --bytes the page axis only' '
	pgtrace plot heatmap -o h.png m.pgt &&
	pgtrace plot heatmap --title "My <b>title</b> & more" -o ht.png m.pgt &&
	pgtrace plot heatmap --bytes -o hb.png m.pgt &&
	png frame h.png >frame.json &&
	png diff h.png ht.png >dt.json && png diff h.png hb.png >db.json && cat frame.json dt.json db.json &&
	python3 -c "import json; f = json.load(open(\"frame.json\")); t = json.load(open(\"dt.json\")); b = json.load(open(\"db.json\"))
assert t and t[3] < f[1] - 3, (t, f)       # above the frame
assert b and b[2] < f[0] - 3, (b, f)       # left of the frame" &&
	pgtrace plot heatmap --title "My <b>title</b> & more" -o ht.svg m.pgt &&
	png check ht.svg 1000 600 && ! grep -q "<b>" ht.svg &&
	pgtrace plot mrc -o mrc.png m.pgt && pgtrace plot mrc --bytes -o mrcb.png m.pgt &&
	png frame mrc.png >mf.json && png diff mrc.png mrcb.png >md.json && cat mf.json md.json &&
	python3 -c "import json; f = json.load(open(\"mf.json\")); d = json.load(open(\"md.json\"))
assert d and d[1] > f[3], (d, f)           # under the plot area: axis label and page size"
'
test_expect_success '--space pfn: pages by frame (CSV with a pfn column falling as the index rises)' '
	{ echo ts,type,path,index,pfn &&
	  for i in $(seq 0 399); do echo "$((i * 1000000)),lookup,/data/f,$i,$((9000 - 20 * i))"; done; } >pfn.csv &&
	pgtrace import -o pfn.pgt pfn.csv &&
	pgtrace plot heatmap -o pf-file.png pfn.pgt &&
	pgtrace plot heatmap --space pfn -o pf-pfn.png pfn.pgt &&
	png diagonal pf-file.png >pf1.json && png diagonal pf-pfn.png >pf2.json && cat pf1.json pf2.json &&
	python3 -c "import json; a = json.load(open(\"pf1.json\")); b = json.load(open(\"pf2.json\"))
assert a[\"corr\"] < -0.95 and b[\"corr\"] > 0.95, (a, b)"
'
test_expect_success '--space pfn on imported trace-cmd text: its add events have frames' '
	pgtrace plot heatmap --space pfn --refs add -o tc-pfn.png tc.pgt &&
	png diagonal tc-pfn.png >tcp.json && cat tcp.json &&
	test "$(test_json tcp.json "d[\"columns\"]")" -gt 0 &&
	pgtrace plot heatmap --space pfn -o tc-nopfn.png tc.pgt &&
	png diagonal tc-nopfn.png >tcn.json && test "$(test_json tcn.json "d[\"columns\"]")" = 0 &&
	pgtrace plot mrc --space pfn --refs add -o tc-pfn.svg tc.pgt && png check tc-pfn.svg 1000 600
'
test_expect_success '--format names the format of any file name' '
	pgtrace plot wss --format svg -o w.picture m.pgt && test "$(png check w.picture 1000 600)" = svg &&
	pgtrace plot wss --format png -o w.image m.pgt && test "$(png check w.image 1000 600)" = png &&
	pgtrace plot wss -o W.PNG m.pgt && test "$(png check W.PNG 1000 600)" = png
'
test_expect_success 'strings from the trace: a file named <script>alert(1)</script> is no markup in an SVG' '
	mkcsv esc.csv "<script>alert(1)</script>" "/a&b\"c<d>'"'"'e.db" &&
	pgtrace import -o esc.pgt esc.csv &&
	test "$(pgtrace dump --fields path esc.pgt | sort -u | wc -l)" = 2 &&
	for k in $KINDS; do
		pgtrace plot $k -o esc-$k.svg esc.pgt && png check esc-$k.svg 1000 600 >/dev/null &&
		! grep -qi "script\|alert\|<d>" esc-$k.svg || { echo "kind $k"; exit 1; }
	done
'
test_expect_success 'a control character in a file name is drawn, not obeyed' '
	mkcsv ctl.csv "/data/ctl\\x01x" &&
	pgtrace import -o ctl.pgt ctl.csv &&
	pgtrace dump --fields path ctl.pgt | grep -F "ctl\\x01x" &&
	for k in heatmap fileheat irf phase; do
		pgtrace plot $k -o ctl-$k.png ctl.pgt && png check ctl-$k.png 1000 600 || exit 1
	done
'
test_expect_success 'invalid UTF-8 in a file name: every kind still drawn' '
	mkcsv utf.csv "/data/bad\\xff\\xfe.db" &&
	pgtrace import -o utf.pgt utf.csv &&
	for k in $KINDS; do
		pgtrace plot $k -o utf-$k.png utf.pgt && png check utf-$k.png 1000 600 || exit 1
	done
'
# 1024 time bins in about 810 pixels: a pixel shows the most of its bins.
test_expect_success 'sparse references: every referenced time bin is drawn' '
	{ echo ts,type,path,index &&
	  for k in $(seq 0 204); do echo "$((5 * k * 1000)),lookup,/f,$((k % 8))"; done &&
	  echo "1023999,lookup,/f,0"; } >sparse.csv &&
	pgtrace import -o sparse.pgt sparse.csv &&
	pgtrace plot heatmap -o sparse.png sparse.pgt &&
	python3 - sparse.png <<-EOF
	import sys
	sys.path.insert(0, "$TEST_DIR")
	import png
	img = png.decode(open(sys.argv[1], "rb").read())
	l, t, r, b = png.frame(img)
	cols = [x for x in range(l, r + 1) if any(png.coloured(img.rgb(x, y)) for y in range(t, b + 1))]
	marks = sum(1 for i, x in enumerate(cols) if i == 0 or cols[i - 1] != x - 1)
	print("separate marks", marks, "of 206 referenced time bins")
	assert marks == 206, marks
	EOF
'
# wsscheck.py PNG STATS.json [STATS2.json]: the WSS chart's line passes
# through every window of STATS (pgtrace stats --json), within 3 pixels,
# at that window's start time and distinct pages (the chart's axes:
# time 0 to the last window's start, pages 0 to 1.1 x the largest); with
# STATS2, the line must miss most of its windows (the check can fail).
cat >wsscheck.py <<EOF
import json, sys
sys.path.insert(0, "$TEST_DIR")
import png
EOF
cat >>wsscheck.py <<'EOF'
img = png.decode(open(sys.argv[1], "rb").read())
# the frame's lines, exactly: 1-pixel lines on whole coordinates cover
# two pixels each; png.frame() would take the 0 tick for the frame
W, H = img.width, img.height
cols = [x for x in range(W) if sum(png.dark(img.rgb(x, y)) for y in range(H // 4, 3 * H // 4)) > 0.45 * H]
rows = [y for y in range(H) if sum(png.dark(img.rgb(x, y)) for x in range(W // 4, 3 * W // 4)) > 0.45 * W]
X0, X1, Y0, Y1 = cols[0] + 1, cols[-1], rows[0] + 1, rows[-1]
l, t, r, b = X0 + 1, Y0 + 1, X1 - 2, Y1 - 2
blue = lambda p: p[2] > p[0] + 50 and p[2] > 120
def hits(path):
    w = json.load(open(path))["wss"]
    xs = [(x["start_ts"] - w[0]["start_ts"]) / 1e9 for x in w]
    ys = [x["pages"] for x in w]
    xhi = xs[-1] if len(xs) > 1 and xs[-1] > 0 else 1
    yhi = max(max(ys), 1) * 1.1
    px = [X0 + x / xhi * (X1 - X0) for x in xs]
    py = [Y1 - y / yhi * (Y1 - Y0) for y in ys]
    def line_y(c, i):   # the line at column c, near point i
        j = i + 1 if c > px[i] and i + 1 < len(px) else i - 1 if c < px[i] and i > 0 else i
        if j == i or px[j] == px[i]:
            return py[i]
        return py[i] + (py[j] - py[i]) * (c - px[i]) / (px[j] - px[i])
    ok = 0
    for i in range(len(xs)):
        cx = round(px[i])
        near = sorted(set(min(max(c, l), r) for c in (cx - 1, cx, cx + 1)))   # the ends: inside
        best = min((abs(yy - line_y(xx, i)) for xx in near for yy in range(t, b + 1)
                    if blue(img.rgb(xx, yy))), default=99)
        ok += best <= 3
    return ok, len(w), max(ys)
ok, n, top = hits(sys.argv[2])
print("%s: %d of %d windows on the line, largest %d pages" % (sys.argv[2], ok, n, top))
assert n >= 10 and ok == n, (ok, n)
if len(sys.argv) > 3:
    ok2, n2, top2 = hits(sys.argv[3])
    print("%s: %d of %d windows on the line, largest %d pages" % (sys.argv[3], ok2, n2, top2))
    assert ok2 <= 0.6 * n2, (ok2, n2)
EOF

test_expect_success 'wss: the plotted working set is pgtrace stats W(t, tau) for the window, over 1,000 pages' '
	python3 - <<-\EOF &&
	# 250,000 references to 20,000 pages at random, then 250,000 to 2,000:
	# working sets of about 7,900 and 2,000 pages in windows of 10,000
	# references, 980 and 790 in windows of 1,000 (another shape)
	import csv, random
	random.seed(7)
	with open("u20k.csv", "w", newline="") as f:
	    w = csv.writer(f)
	    w.writerow(["ts", "type", "path", "index"])
	    ts = 0
	    for n, pages in ((250000, 20000), (250000, 2000)):
	        for i in range(n):
	            w.writerow([ts, "lookup", "/data", random.randrange(pages)]); ts += 1000
	EOF
	pgtrace import -o u20k.pgt u20k.csv &&
	G=$(pgtrace phase --json u20k.pgt | test_json - "d[\"phase_window\"]") &&
	test "$G" = 10000 &&
	pgtrace stats --json --window $G u20k.pgt >st.json &&
	pgtrace stats --json --window 1000 u20k.pgt >st1k.json &&
	python3 -c "import json; w = json.load(open(\"st.json\"))[\"wss\"]; assert min(x[\"pages\"] for x in w) > 1000, w[:3]" &&
	pgtrace plot wss -o wss.png u20k.pgt &&
	python3 wsscheck.py wss.png st.json st1k.json &&
	pgtrace plot wss --window 5K -o wss5k.png u20k.pgt &&
	pgtrace stats --json --window 5000 u20k.pgt >st5k.json &&
	python3 wsscheck.py wss5k.png st5k.json st.json &&
	pgtrace plot wss --phase-window 4000 -o wssg.png u20k.pgt &&
	pgtrace stats --json --window 4000 u20k.pgt >st4k.json &&
	python3 wsscheck.py wssg.png st4k.json st.json
'
test_expect_success 'wss: --window TIME is stats --window TIME' '
	pgtrace plot wss --window 20ms -o wsst.png u20k.pgt &&
	pgtrace stats --json --window 20ms u20k.pgt >stt.json &&
	python3 wsscheck.py wsst.png stt.json st.json
'
test_expect_success 'wss: the chart names its window (the label above the frame changes with --window)' '
	pgtrace plot wss -o wa.png u20k.pgt && pgtrace plot wss --window 10000 -o wb.png u20k.pgt &&
	cmp wa.png wb.png &&
	pgtrace plot wss --window 10001 -o wc.png u20k.pgt &&
	png frame wa.png >wf.json && png diff wa.png wc.png >wd.json && cat wf.json wd.json &&
	python3 -c "import json; f = json.load(open(\"wf.json\")); d = json.load(open(\"wd.json\"))
assert d and d[1] < f[1] - 5, (d, f)   # the label above the frame"
'
test_expect_success 'heatmap: the top objects of the whole trace (the hottest met after 5,000 others)' '
	python3 - <<-\EOF &&
	import csv
	with open("late.csv", "w", newline="") as f:
	    w = csv.writer(f)
	    w.writerow(["ts", "type", "path", "index"])
	    ts = 0
	    for k in range(5000):              # 5,000 cold files, two references each
	        for i in range(2):
	            w.writerow([ts, "lookup", "/cold/%05d" % k, 0]); ts += 1000
	    for i in range(20000):             # then the hot file, read in order
	        w.writerow([ts, "lookup", "/hot", i]); ts += 1000
	EOF
	pgtrace import -o late.pgt late.csv &&
	pgtrace plot heatmap --top 1 -o late.png late.pgt &&
	png diagonal late.png >late.json && cat late.json &&
	test_json_assert late.json "
# the hot file: a rising diagonal over the last two thirds of the time
assert d[\"corr\"] < -0.95 and d[\"columns\"] > 0.6 * d[\"width\"], d" &&
	cat late.pgt | pgtrace plot heatmap --top 1 -o late-pipe.png - &&
	png diagonal late-pipe.png >lp.json && cat lp.json &&
	test_json_assert lp.json "assert d[\"columns\"] < 0.1 * d[\"width\"], d"
'
test_expect_success 'bad input: usage errors exit 2 with one message line' '
	test_must_fail --code=2 pgtrace plot bogus -o b.png m.pgt 2>err && test_one_line_error err &&
	grep -q "unknown kind .bogus." err &&
	test_must_fail --code=2 pgtrace plot m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace plot heatmap m.pgt 2>err && test_one_line_error err &&
	grep -q -- -o err &&
	test_must_fail --code=2 pgtrace plot heatmap -o b.jpg m.pgt 2>err && test_one_line_error err &&
	grep -q -- --format err &&
	test_must_fail --code=2 pgtrace plot heatmap --format gif -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot heatmap --width 199 -o b.png m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace plot heatmap --height 100 -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot heatmap --width 20001 -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot heatmap --width 1k -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot heatmap --top 65 -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot heatmap --space virt -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot mrc --sample 1.5 -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot heatmap --refs nothing -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot heatmap --bogus -o b.png m.pgt 2>err &&
	test_must_fail --code=2 pgtrace plot wss --window 0 -o b.png m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace plot wss --window 5x -o b.png m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace plot wss --window 0ms -o b.png m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=2 pgtrace plot phase --phase-window 0 -o b.png m.pgt 2>err && test_one_line_error err &&
	! test -e b.png && ! test -e b.jpg
'
test_expect_success 'an existing picture is kept without --force (exit 1, says --force)' '
	echo keep >exists.png &&
	test_must_fail --code=1 pgtrace plot heatmap -o exists.png m.pgt 2>err && test_one_line_error err &&
	grep -q -- --force err && test "$(cat exists.png)" = keep &&
	chmod 644 exists.png &&
	pgtrace plot heatmap --force -o exists.png m.pgt && png check exists.png 1000 600
'
test_expect_success 'a truncated trace: exit 1, one message, and what was read is drawn' '
	head -c 200000 m.pgt >trunc.pgt &&
	test_must_fail --code=1 pgtrace plot heatmap -o trunc.png trunc.pgt 2>err && test_one_line_error err &&
	png check trunc.png 1000 600 &&
	png diagonal trunc.png >tr.json && test "$(test_json tr.json "d[\"columns\"]")" -gt 0 &&
	test_must_fail --code=1 pgtrace plot mrc -o trunc.svg trunc.pgt 2>err && png check trunc.svg 1000 600 &&
	test_must_fail --code=1 pgtrace plot heatmap -o no.png no-such.pgt 2>err && test_one_line_error err &&
	! test -e no.png
'
test_expect_success 'pictures are mode 0600 whatever the umask' '
	(umask 0; pgtrace plot wss -o umask.png m.pgt) && test "$(stat -c %a umask.png)" = 600
'
test_expect_success 'never written through a symbolic link, with or without --force' '
	echo precious >target && cp target target.orig &&
	ln -s target link.png && ln -s target link.svg &&
	test_must_fail --code=1 pgtrace plot heatmap -o link.png m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=1 pgtrace plot heatmap --force -o link.png m.pgt 2>err && test_one_line_error err &&
	test_must_fail --code=1 pgtrace plot mrc --force -o link.svg m.pgt 2>err &&
	test_cmp target.orig target && test -L link.png &&
	ln -s not-there dangling.png &&
	test_must_fail --code=1 pgtrace plot heatmap --force -o dangling.png m.pgt 2>err &&
	! test -e not-there
'
test_done
