#!/usr/bin/env python3
"""test_formats.py - tbm-report run as a program on the fixture evaluation
(tests/report/data plus two bases built by report_mkbases): the xlsx read
back with openpyxl cell by cell, the html checked for the table and both SVG
charts, md/csv/json checked to carry the same scores, each base's figures in
the json equal to `tbmctl indicators --json` on its database, and the exit
codes.

usage: test_formats.py TBM_REPORT MKBASES DATA_DIR [TBMCTL]
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import openpyxl
except ImportError:
    # Debian's python3-openpyxl is installed for the system's interpreter; a
    # python3 earlier in PATH (pyenv, a venv) may not see it.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3") and "TBM_FORMATS_REEXEC" not in os.environ:
        os.environ["TBM_FORMATS_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.abspath(__file__), *sys.argv[1:]])
    print("SKIP: python3-openpyxl is not installed (apt-get install python3-openpyxl); "
          "the xlsx cannot be read back")
    sys.exit(77)

TBM, MKBASES, DATA = sys.argv[1:4]
TBMCTL = sys.argv[4] if len(sys.argv) > 4 else None
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, ok=0):
    p = subprocess.run([TBM, *args], capture_output=True)
    if p.returncode != ok:
        print(p.stderr.decode(errors="replace"))
    check(p.returncode == ok, "exit %d (wanted %d): %s" % (p.returncode, ok, " ".join(args)))
    return p


def score(v):
    return "%.2f" % v


tmp = tempfile.mkdtemp(prefix="tbm-report-formats.")
try:
    for f in os.listdir(DATA):
        shutil.copy(os.path.join(DATA, f), tmp)
    subprocess.run([MKBASES, tmp], check=True)
    ini = os.path.join(tmp, "evaluation.ini")

    # json: the reference every other format is compared with
    js = json.loads(run(ini, "--format", "json").stdout)
    check(js["total"] == 87.28, "json total %r" % js["total"])
    check(js["grade"] == "良", "json grade %r" % js["grade"])
    check(js["total_weight"] == 100, "json total_weight")
    rows = js["indicators"]
    check(len(rows) == 11, "json: 11 indicator rows")
    check(rows[0]["level1"] == "预算执行率" and rows[0]["score"] == 9.67, "json budget row")
    check(js["equipment"]["faults"] == 5 and js["equipment"]["repaired"] == 4, "json faults")
    check(js["equipment"]["faults_per_month"] == [0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0],
          "json faults_per_month")
    check([s["site_id"] for s in js["equipment"]["sites"]] == ["pudong", "minhang"], "json sites")
    expected = {r["level3"] or r["level1"]: r for r in rows}

    # each base's figures: the same keys and values as tbmctl's for its database
    for site in js["equipment"]["sites"] if TBMCTL else []:
        p = subprocess.run([TBMCTL, "-d", site["database"], "indicators", "--from", site["from"],
                            "--to", site["to"], "--cutoff", site["cutoff"], "--normal", "0.95",
                            "--json"], capture_output=True)
        check(p.returncode == 0, "tbmctl indicators on %s: %s" % (site["site_id"], p.stderr))
        if p.returncode != 0:
            continue
        ctl = json.loads(p.stdout)
        for k in ("from", "to", "cutoff", "fault_repair_rate", "safety", "labs", "devices",
                  "faults_per_month", "unrepaired"):
            check(ctl.get(k) == site.get(k), "%s: tbmctl's %s %r, the report's %r" %
                  (site["site_id"], k, ctl.get(k), site.get(k)))

    # the period as dates, to exclusive
    check(js["period"] == {"from": "2023-01-01", "to": "2024-01-01", "cutoff": None,
                           "text": "2023年01月-2023年12月"}, "json period %r" % js["period"])
    check(js["budget"]["score"] == 9.67 and js["budget"]["weight"] == 10, "json budget score")
    check(js["equipment"]["repair_faults_per_month"] == [0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0],
          "json repair_faults_per_month")
    q = expected["学员满意度"]["survey"]["questions"]
    check(q == [{"question": "满意度", "valid": 20, "satisfied": 17, "invalid": 2,
                 "answers": [8, 9, 2, 1, 0], "rate": 0.85}], "json survey questions %r" % q)

    # md: the form's 项目资金 row carries 预算执行率; every indicator row's score, the total
    md = run(ini).stdout.decode()
    check("| 年度资金总额 | — | 15.00 | 14.50 | 10 | 96.67% | 9.67 |" in md, "md funds row")
    check("| 其中：当年财政拨款 |  |  |  | — | — | — |" in md, "md source row")
    for r in rows[1:]:
        name = r["level3"]
        line = next((l for l in md.splitlines() if l.startswith("| ") and
                     ("| %s |" % name) in l), None)
        check(line is not None, "md row %s" % name)
        if line:
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            check(cells[6] == score(r["score"]), "md score of %s: %s" % (name, cells[6]))
            check(cells[5] == ("%g" % r["weight"]), "md weight of %s: %s" % (name, cells[5]))
    check("| **总分** |  |  |  |  | **100** | **87.28** | **等级：良** |" in md, "md total row")
    check("- 等级：良" in md, "md grade")
    check(md.index("# 项目支出绩效自评表") < md.index("- 项目名称：测试专项资金") <
          md.index("| 项目资金（万元） |") < md.index("### 年度总体目标") < md.index("### 绩效指标") <
          md.index("## 附录：设备指标") < md.index("## 附表"), "md: the form's order")

    # csv: BOM, the indicator table with the same scores
    raw = run(ini, "--format", "csv").stdout
    check(raw.startswith(b"\xef\xbb\xbf"), "csv BOM")
    table = list(csv.reader(io.StringIO(raw[3:].decode())))
    head = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
            "偏差原因分析及改进措施"]
    check(head in table, "csv indicator header")
    if head in table:
        i = table.index(head) + 1
        for r in rows[1:]:
            t = table[i]
            check(t[2] == r["level3"] and t[6] == score(r["score"]) and t[4] == r["actual"],
                  "csv row %s: %r" % (r["level3"], t))
            i += 1
        check(table[i][0] == "总分" and table[i][6] == "87.28" and table[i][7] == "等级：良",
              "csv total %r" % table[i])
    check(["实训基地运作费用, 含耗材", "10.00", "9.50", "95%"] in table,
          "csv budget row with a comma in the name, in 万元")
    check(["年度资金总额", "—", "15.00", "14.50", "10", "96.67%", "9.67"] in table, "csv funds row")

    # html: one page, the table, both charts, nothing fetched
    html = run(ini, "--format", "html").stdout.decode()
    check(html.startswith("<!DOCTYPE html>"), "html doctype")
    check('<table id="indicators" class="form">' in html, "html indicator table")
    check('<col style="width:5.5em">' in html, "html: 一级指标 wide enough for its header")
    check("@page{size:A4 landscape" in html and "thead{display:table-header-group}" in html,
          "html printed A4 landscape, headers repeated")
    for h in head:
        check("<th>%s</th>" % h in html, "html header %s" % h)
    check('<td rowspan="5">产出指标</td>' in html, "html merged 产出指标 cell")
    for r in rows:
        check(">%s<" % score(r["score"]) in html, "html score %s" % (r["level3"] or r["level1"]))
    check('<tr class="total"><td>总分</td>' in html and ">87.28<" in html, "html total")
    m = re.search(r'<svg class="chart" id="chart-months".*?</svg>', html, re.S)
    check(m is not None, "html months chart")
    if m:
        # the chart counts what the repair-rate row counts, and says so
        bars = re.findall(r'<rect class="bar"[^>]*><title>(\d+)月：(\d+) 起</title>', m.group(0))
        check([int(b[1]) for b in bars] == js["equipment"]["repair_faults_per_month"],
              "html month bars %r" % bars)
        check(sum(int(b[1]) for b in bars) == js["equipment"]["faults"], "html bars sum")
        check("计入故障修复率的故障，共 5 起（不含非鉴定设备）" in m.group(0), "html chart says what it counts")
    m = re.search(r'<svg class="chart" id="chart-labs".*?</svg>', html, re.S)
    check(m is not None, "html labs chart")
    if m:
        check(len(re.findall(r'<rect class="bar"', m.group(0))) == 5, "html 5 lab bars")
        check('fill="#c0392b"><title>PLC实训室：94.01%</title>' in m.group(0),
              "html PLC lab bar below the line")
    check("<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""), "html self-contained")

    # xlsx, read back cell by cell: the formulas as written, and their values
    # both as cached by tbm-report and as recomputed here from the cells
    out = os.path.join(tmp, "report.xlsx")
    run(ini, "-o", out)   # the format from the extension
    wb = openpyxl.load_workbook(out)
    wv = openpyxl.load_workbook(out, data_only=True)
    check(wb.sheetnames == ["绩效自评表", "设备附录", "附表"], "xlsx sheets %r" % wb.sheetnames)
    ws, vs = wb["绩效自评表"], wv["绩效自评表"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    check(ws["A1"].value == "项目支出绩效自评表" and "A1:H1" in merged, "xlsx title")
    check(ws["A2"].value == "（2023年度）", "xlsx year")
    col_a = [c.value for c in ws["A"]]
    pr = col_a.index("项目名称") + 1
    check(ws.cell(pr, 2).value == "测试专项资金" and "B%d:H%d" % (pr, pr) in merged, "xlsx 项目名称")
    check(ws.cell(pr + 1, 1).value == "主管部门" and ws.cell(pr + 1, 2).value == "测试局",
          "xlsx 主管部门")
    check(ws.cell(pr + 2, 1).value == "实施单位", "xlsx 实施单位")

    # 项目资金: 年度资金总额 from 附表's 合计 row, 执行率 and 得分 from the cells beside
    fr = col_a.index("年度资金总额") + 1
    lists = wb["附表"]
    lcol = [c.value for c in lists["A"]]
    dt = lcol.index("合计", lcol.index("子项目名称")) + 1
    check(ws.cell(fr, 3).value == "='附表'!B%d" % dt and ws.cell(fr, 4).value == "='附表'!C%d" % dt,
          "xlsx 全年预算数/全年执行数 from 附表: %r %r" % (ws.cell(fr, 3).value, ws.cell(fr, 4).value))
    check(lists.cell(dt, 2).value == "=SUM(B%d:B%d)" % (dt - 2, dt - 1), "xlsx budget 合计 formula")
    check(ws.cell(fr, 6).value == "=IF(C{0}>0,D{0}/C{0},0)".format(fr), "xlsx 执行率 formula")
    check(ws.cell(fr, 7).value == "=ROUND(E{0}*MIN(F{0},1),2)".format(fr), "xlsx 预算 得分 formula")
    check(vs.cell(fr, 3).value == 15 and vs.cell(fr, 7).value == 9.67, "xlsx funds cached values")
    check(ws.cell(fr, 3).number_format == "#,##0.00", "xlsx 万元 format")

    hrow = next(c.row for c in ws["A"] if c.value == "绩效指标" and
                ws.cell(c.row, 4).value == "年度指标值")
    check("A%d:C%d" % (hrow, hrow) in merged, "xlsx 绩效指标 header merged over the levels")
    for col, letter in enumerate("DEFGH", start=4):
        check("%s%d:%s%d" % (letter, hrow, letter, hrow + 1) in merged,
              "xlsx header %s merged over two rows" % letter)
    check([ws.cell(hrow + 1, c).value for c in (1, 2, 3)] == head[:3], "xlsx level headers")
    r0 = hrow + 2

    def shown(row, col):
        """What a reader sees in a cell: a merged range shows its top-left value."""
        for m in ws.merged_cells.ranges:
            if m.min_row <= row <= m.max_row and m.min_col <= col <= m.max_col:
                return ws.cell(m.min_row, m.min_col).value or ""
        return ws.cell(row, col).value or ""

    for i, r in enumerate(rows[1:]):
        x = r0 + i
        for c, key in ((1, "level1"), (2, "level2")):
            check(shown(x, c) == r[key], "xlsx %s row %d: %r" % (key, x, shown(x, c)))
        check((ws.cell(x, 3).value or "") == r["level3"], "xlsx level3 row %d" % x)
        check(ws.cell(x, 4).value == r["target"], "xlsx target row %d" % x)
        check(ws.cell(x, 5).value == r["actual"], "xlsx actual row %d" % x)
        check(ws.cell(x, 6).value == r["weight"], "xlsx weight row %d" % x)
        g = ws.cell(x, 7).value
        if r["actual_value"] is not None:
            # a measured row: its score is a formula over J (target) and K (actual)
            check(isinstance(g, str) and g.startswith("=") and "K%d" % x in g,
                  "xlsx score formula row %d: %r" % (x, g))
            check(ws.cell(x, 10).value == r["target_parsed"]["value"] and
                  abs(ws.cell(x, 11).value - r["actual_value"]) < 1e-9, "xlsx J/K row %d" % x)
        else:
            check(g == r["score"], "xlsx judged score row %d: %r" % (x, g))
        check(abs(vs.cell(x, 7).value - r["score"]) < 1e-9 and
              ws.cell(x, 7).number_format == "0.00", "xlsx cached score row %d" % x)
        check((ws.cell(x, 8).value or "") == r["deviation"], "xlsx deviation row %d" % x)
    check("A%d:A%d" % (r0, r0 + 4) in merged, "xlsx 产出指标 cells merged")
    t = r0 + len(rows) - 1
    check(ws.cell(t, 1).value == "总分" and ws.cell(t, 7).font.b, "xlsx total row")
    check(ws.cell(t, 6).value == "=E%d+SUM(F%d:F%d)" % (fr, r0, t - 1), "xlsx 总分 分值 formula")
    check(ws.cell(t, 7).value == "=ROUND(G%d+SUM(G%d:G%d),2)" % (fr, r0, t - 1),
          "xlsx 总分 formula %r" % ws.cell(t, 7).value)
    check(vs.cell(t, 7).value == 87.28 and vs.cell(t, 8).value == "等级：良" and
          vs.cell(t, 6).value == 100, "xlsx total cached")
    grade = col_a.index("等级") + 1
    check(ws.cell(grade, 2).value.startswith("=IF(G%d>=90" % t) and vs.cell(grade, 2).value == "良",
          "xlsx grade formula")
    check(ws.print_title_rows == "$%d:$%d" % (hrow, hrow + 1), "xlsx indicator header repeated: %r" %
          ws.print_title_rows)

    # recompute the workbook's formulas from its cells, as a spreadsheet would
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import xlsxcalc
    calc = xlsxcalc.Calc(wb)
    check(abs(calc.value("绩效自评表", "G%d" % t) - 87.28) < 1e-9, "recomputed 总分 %r" %
          calc.value("绩效自评表", "G%d" % t))
    for i, r in enumerate(rows[1:]):
        check(abs(calc.value("绩效自评表", "G%d" % (r0 + i)) - r["score"]) < 1e-9,
              "recomputed score of %s" % r["level3"])
    # an expert lowers a judged score, a figure is corrected: 总分 and 等级 follow
    judged = next(r0 + i for i, r in enumerate(rows[1:]) if r["actual_value"] is None and
                  r["score"] > 0)
    old = calc.value("绩效自评表", "G%d" % judged)
    calc.set("绩效自评表", "G%d" % judged, old - 5)
    check(abs(calc.value("绩效自评表", "G%d" % t) - (87.28 - 5)) < 1e-9, "总分 follows an adjusted score")
    check(calc.value("绩效自评表", "B%d" % grade) == "良", "等级 at 82.28")
    calc.set("绩效自评表", "G%d" % judged, old - 10)
    check(calc.value("绩效自评表", "B%d" % grade) == "中", "等级 follows 总分 below 80")
    rr = next(r0 + i for i, r in enumerate(rows[1:]) if r["level3"] == "培训人次")
    calc.set("绩效自评表", "K%d" % rr, 1000)
    check(calc.value("绩效自评表", "G%d" % rr) == 10, "a corrected figure rescores its row")
    calc.set("附表", "C%d" % (dt - 2), 100000 / 1e4)   # 全年执行数 of the first sub-project
    check(abs(calc.value("绩效自评表", "G%d" % fr) - 10) < 1e-9, "预算 得分 follows the budget")

    ap = wb["设备附录"]
    col_a = [c.value for c in ap["A"]]
    check("附录：设备指标（tbmon）" in col_a, "xlsx appendix heading")
    mrow = col_a.index("计入故障修复率") + 1
    check([ap.cell(mrow, c).value for c in range(2, 14)] ==
          js["equipment"]["repair_faults_per_month"], "xlsx faults per month")
    rate = col_a.index("故障修复率") + 1
    check(ap.cell(rate, 2).value == 0.8 and ap.cell(rate, 2).number_format == "0.00%",
          "xlsx merged repair rate")
    check("基地：浦东基地（pudong）" in col_a and "基地：闵行基地（minhang）" in col_a,
          "xlsx one section per base")
    check("浦东基地：截止时未修复的实训鉴定设备故障（1 起）" in lcol, "xlsx unrepaired list on 附表")
    brow = lcol.index("实训基地运作费用, 含耗材") + 1
    check(lists.cell(brow, 2).value == 10 and lists.cell(brow, 2).number_format == "#,##0.00",
          "xlsx budget detail in 万元")

    # xlsx on a pipe is the same workbook
    p = run(ini, "--format", "xlsx")
    check(p.stdout[:2] == b"PK", "xlsx on stdout")

    # exit codes and messages
    p = run(ok=2)
    check(b"usage:" in p.stderr, "usage on stderr")
    run(ini, "--format", "pdf", ok=2)
    for name, msg in (
            ("r.pdf", "tbm-report: -o {0}/r.pdf: tbm-report does not write .pdf files (.md, .html, "
                      ".csv, .xlsx, .json; for a PDF print the .html)\n"),
            ("r.docx", "tbm-report: -o {0}/r.docx: tbm-report does not write .docx files (.md, "
                       ".html, .csv, .xlsx, .json; for a PDF print the .html)\n"),
            ("report", "tbm-report: -o {0}/report: no extension to choose the format by: name it "
                       ".md, .html, .csv, .xlsx or .json, or give --format\n")):
        p = run(ini, "-o", os.path.join(tmp, name), ok=2)
        check(p.stderr.decode() == msg.format(tmp), "-o %s: %r" % (name, p.stderr))
        check(not os.path.exists(os.path.join(tmp, name)), "-o %s not written" % name)
    p = run(ini, "--format", "html", "-o", os.path.join(tmp, "r.xlsx"), ok=2)
    check(p.stderr.decode() == "tbm-report: -o %s/r.xlsx contradicts --format html\n" % tmp,
          "contradicting -o: %r" % p.stderr)
    run(ini, "--format", "md", "-o", os.path.join(tmp, "report"))   # said twice: fine
    run(ini, "-o", os.path.join(tmp, "R.HTML"))
    # the command line's mistake is the command line's
    p = run(ini, "--cutoff", "2023-06-01", ok=1)
    check(p.stderr.decode() == "tbm-report: --cutoff: the cutoff 2023-06-01 is before the "
          "period's end\n", "--cutoff message %r" % p.stderr)
    p = run(ini, "--from", "2023-06-01", "--to", "2023-01-01", ok=1)
    check(p.stderr.decode() == "tbm-report: --from/--to: the period ends before it begins\n",
          "--from/--to message %r" % p.stderr)
    run(ini, "--from", "2023-01-01", ok=2)
    p = run(os.path.join(tmp, "none.ini"), ok=1)
    check(p.stderr.decode() == "%s: No such file or directory\n" % os.path.join(tmp, "none.ini"),
          "missing evaluation file message %r" % p.stderr)
    os.remove(os.path.join(tmp, "base-b.db"))
    p = run(ini, "-o", os.path.join(tmp, "x.md"), ok=1)
    check(p.stderr.decode() == "%s:9: database %s/base-b.db: No such file or directory\n" %
          (ini, tmp), "missing database message %r" % p.stderr)
    check(not os.path.exists(os.path.join(tmp, "x.md")), "no output file after an error")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print("%d checks failed" % len(failures))
    sys.exit(1)
print("all format checks passed")
