#!/usr/bin/env python3
"""test_print.py - the evaluation as it is printed: the html of a busy base
(400 faults, 267 never repaired) printed to PDF by headless chromium, the
pages counted with poppler's pdfinfo and read with pdftotext. The form and
its equipment summary fit in 4 A4 landscape pages; the long lists follow on
pages of their own, with their table header repeated on every page.

usage: test_print.py TBM_REPORT MKBASES DATA_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

TBM, MKBASES, DATA = sys.argv[1:4]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None or shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
    print("SKIP: chromium and poppler-utils are needed (both in .ci/deps)")
    sys.exit(77)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def pdf(html, out, tmp):
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--user-data-dir=" + os.path.join(tmp, "profile"), "--no-pdf-header-footer",
                    "--print-to-pdf=" + out, "file://" + html],
                   check=True, capture_output=True, timeout=180, env=dict(os.environ, HOME=tmp))
    info = subprocess.run(["pdfinfo", out], check=True, capture_output=True).stdout.decode()
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    w, h = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M).groups())
    texts = [subprocess.run(["pdftotext", "-layout", "-f", str(p), "-l", str(p), out, "-"],
                            check=True, capture_output=True).stdout.decode()
             for p in range(1, pages + 1)]
    return pages, (w, h), texts


def first_page(texts, pattern):
    for i, t in enumerate(texts):
        if re.search(pattern, t, re.M):
            return i + 1
    return None


tmp = tempfile.mkdtemp(prefix="tbm-report-print.")
try:
    for f in os.listdir(DATA):
        shutil.copy(os.path.join(DATA, f), tmp)
    subprocess.run([MKBASES, tmp], check=True)
    subprocess.run([MKBASES, tmp, "--busy", "400"], check=True)
    with open(os.path.join(tmp, "evaluation.ini"), encoding="utf-8") as f:
        ini = f.read()
    busy = os.path.join(tmp, "busy.ini")
    with open(busy, "w", encoding="utf-8") as f:
        f.write(re.sub(r"^databases = .*$", "databases = base-busy.db", ini, flags=re.M))

    for name, evaluation, unrepaired in (("two bases", "evaluation.ini", 1),
                                         ("busy base", "busy.ini", 133)):
        html = os.path.join(tmp, name.replace(" ", "-") + ".html")
        out = html[:-5] + ".pdf"
        p = subprocess.run([TBM, os.path.join(tmp, evaluation), "-o", html], capture_output=True)
        check(p.returncode == 0, "%s: tbm-report %s" % (name, p.stderr.decode()))
        pages, (w, h), texts = pdf(html, out, tmp)
        print("%s: %d pages" % (name, pages))
        check(abs(w - 841.9) < 2 and abs(h - 595.3) < 2, "%s: A4 landscape, not %gx%g" % (name, w, h))
        check("项目支出绩效自评表" in texts[0] and "项目资金" in texts[0], "%s: the form first" % name)
        lists = first_page(texts, r"^\s*附表\s*$")
        summary = first_page(texts, r"附录：设备指标")
        check(summary is not None and lists is not None and summary < lists,
              "%s: the summary, then the lists (%r, %r)" % (name, summary, lists))
        if lists is None:
            continue
        # the form and its equipment summary: about four pages, however long the lists
        check(lists - 1 <= 4, "%s: form and summary on %d pages" % (name, lists - 1))
        allt = "".join(texts)
        check("总分" in "".join(texts[:lists - 1]) and "等级" in "".join(texts[:lists - 1]),
              "%s: 总分 and 等级 before the lists" % name)
        check(allt.count("cnc-01" if unrepaired == 1 else "综合报警") >= unrepaired,
              "%s: every unrepaired fault is listed" % name)
        # a list that runs over pages repeats its header on each of them
        start = first_page(texts, r"截止时未修复的实训鉴定设备故障（%d 起）" % unrepaired)
        check(start is not None and start >= lists, "%s: unrepaired faults in 附表" % name)
        if unrepaired > 1 and start:
            check(pages > start, "%s: the long list runs over pages" % name)
            for i in range(start, pages + 1):
                t = texts[i - 1]
                if "综合报警" in t:
                    check(re.search(r"编号\s+设备\s+故障\s+发生时间", t) is not None,
                          "%s: page %d repeats the list's header" % (name, i))
finally:
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print("%d checks failed" % len(failures))
    sys.exit(1)
print("all print checks passed")
