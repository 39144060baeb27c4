#!/usr/bin/env python3
"""test_real_inputs.py - tbm-report with the files people really have: a
问卷星 export in text and in numeric (按序号) form, read with both scales; a
budget saved by Chinese Excel (GB18030/GBK, （万元） headers, thousands
separators, a 合计 row, 年初预算数, 资金来源 rows); and every bad input with its
one-line message, in Chinese (a Chinese locale, the catalog in LOCALEDIR).

usage: test_real_inputs.py TBM_REPORT LOCALEDIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

TBM = sys.argv[1]
# the messages in Chinese, whatever the machine's locale says
ENV = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
ENV.update(LANG="zh_CN.UTF-8", TBMON_LOCALEDIR=sys.argv[2])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def write(path, text, encoding="utf-8"):
    with open(path, "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode(encoding))


def run(ini, *args, ok=0):
    p = subprocess.run([TBM, ini, *args], capture_output=True, env=ENV)
    if p.returncode != ok:
        print(p.stderr.decode(errors="replace"))
    check(p.returncode == ok, "exit %d (wanted %d): %s %s" % (p.returncode, ok, ini, " ".join(args)))
    return p


# 20 respondents x 3 questions: 非常满意 25, 比较满意 22, 一般 6, 不太满意 3, 非常不满意 1,
# (跳过) 3 -> 57 valid, 47 satisfied (82.46%); read 5-best, the numbers say 4 satisfied.
WORDS = ["非常满意", "比较满意", "一般", "不太满意", "非常不满意"]
answers = ["非常满意"] * 25 + ["比较满意"] * 22 + ["一般"] * 6 + ["不太满意"] * 3 + \
    ["非常不满意"] + ["(跳过)"] * 3
# spread them over the questions so that every question differs
answers = answers[0::3] + answers[1::3] + answers[2::3]
QUESTIONS = ["1、您对本次培训课程内容是否满意", "2、您对授课教师的讲解是否满意",
             "3、您对实训设备和场地是否满意"]
HEADER = ["序号", "提交答卷时间", "所用时间", "来源", "来自IP"] + QUESTIONS + ["4、您的意见和建议"]


def wjx(numeric):
    lines = [",".join(HEADER)]
    for i in range(20):
        row = [str(i + 1), "2023/11/%02d 10:%02d:00" % (i % 28 + 1, i), "%d秒" % (60 + i),
               "微信", "10.0.0.%d" % i]
        for q in range(3):
            a = answers[q * 20 + i]
            row.append(str(WORDS.index(a) + 1) if numeric and a in WORDS else a)
        row.append("无" if i % 2 else "希望多安排实操")
        lines.append(",".join(row))
    return "\r\n".join(lines) + "\r\n"


TARGETS = """一级指标,二级指标,三级指标,指标值,分值,来源
产出指标,数量指标,培训人次,≥1000人次,50,figures
效益指标,社会效益指标,技能水平,提高,30,figures
满意度指标,服务对象满意度指标,实训人员满意度,>=90%,10,survey
"""
FIGURES = """三级指标,实际完成值,等级,说明
培训人次,1200人次,,
技能水平,提高,达成,
"""
# what Chinese Excel saves: GBK, amounts in 万元 with separators, a 合计 row and
# the form's 资金来源 rows (其他资金 left empty)
BUDGET = """子项目名称,年初预算数（万元）,全年预算数（万元）,全年执行数（万元）
公共实训基地服务平台运作费用,"1,800.00","1,860.00","1,815.24"
就业状况调查统计,300.00,320.00,312.65
开业指导服务,100.00,100.00,90.00
合计,"2,200.00","2,280.00","2,217.89"
其中：当年财政拨款,"2,100.00","2,150.00","2,100.00"
上年结转,100.00,130.00,117.89
其他资金,,,
"""


def evaluation(extra="scale = 1-best\n", survey="wjx.csv"):
    return ("[evaluation]\npolicy = 促进就业专项资金\ndepartment = 上海市人力资源和社会保障局\n"
            "unit = 上海市公共实训基地\ngoal = 完成培训 1000 人次\nachieved = 完成培训 1200 人次\n"
            "period = 2023\ntargets = targets.csv\nfigures = figures.csv\nbudget = budget.csv\n"
            "[survey 实训人员满意度]\nfile = %s\n%s" % (survey, extra))


tmp = tempfile.mkdtemp(prefix="tbm-report-inputs.")
try:
    ini = os.path.join(tmp, "evaluation.ini")
    wjx_csv = os.path.join(tmp, "wjx.csv")
    budget = os.path.join(tmp, "budget.csv")
    write(os.path.join(tmp, "targets.csv"), TARGETS)
    write(os.path.join(tmp, "figures.csv"), FIGURES)
    write(budget, BUDGET, "gb18030")
    gbk_note = "%s: 不是 UTF-8，按 GB18030（GBK）编码读取\n" % budget

    # the text export (UTF-8 with a BOM, as 问卷星 writes it)
    write(wjx_csv, "\ufeff" + wjx(False))
    write(ini, evaluation(extra=""))
    p = run(ini, "--format", "json")
    check(p.stderr.decode() == gbk_note, "text export: only the GBK notice, once: %r" % p.stderr)
    js = json.loads(p.stdout)
    row = next(r for r in js["indicators"] if r["level3"] == "实训人员满意度")
    s = row["survey"]
    check((s["respondents"], s["valid"], s["satisfied"], s["invalid"]) == (20, 57, 47, 3),
          "text export counts %r" % s)
    check(s["answers"] == [25, 22, 6, 4, 0] or s["answers"] == [25, 22, 6, 3, 1],
          "text export answers %r" % s["answers"])
    check(row["actual"] == "82.46%（20 人答卷，3 题，有效答案 57，满意 47，无效 3）",
          "text export actual %r" % row["actual"])
    check(row["score"] == 9.16, "text export score %r" % row["score"])
    check([q["question"] for q in s["questions"]] == QUESTIONS, "the three 满意 questions, not 4")
    check(sum(q["valid"] for q in s["questions"]) == 57 and
          sum(q["satisfied"] for q in s["questions"]) == 47, "per-question sums")
    check(all(q["valid"] + q["invalid"] == 20 for q in s["questions"]), "20 answers a question")
    md = run(ini).stdout.decode()
    check("### 实训人员满意度：分题统计（20 人答卷）" in md, "md per-question appendix")
    check("| 1、您对本次培训课程内容是否满意 |" in md, "md question row")

    # the numeric export (按序号: 1 = 非常满意), saved as GBK
    write(wjx_csv, wjx(True), "gb18030")
    p = run(ini, ok=1)
    check(p.stderr.decode().count("不是 UTF-8") == 2, "GBK said once a file %r" % p.stderr)
    err = [l for l in p.stderr.decode().splitlines() if not l.endswith("按 GB18030（GBK）编码读取")]
    check(err == ["%s:2: 答案“1”是数字，但 [survey 实训人员满意度] 没有写 scale：问卷星等网站按选项"
                  "顺序编号，1 = 第一个选项（通常是非常满意），应写 scale = 1-best；若 5 = 非常满意，"
                  "写 scale = 5-best" % wjx_csv], "one line for numbers without a scale: %r" % err)
    write(ini, evaluation("scale = 1-best\n"))
    js = json.loads(run(ini, "--format", "json").stdout)
    row2 = next(r for r in js["indicators"] if r["level3"] == "实训人员满意度")
    check(row2["actual"] == row["actual"] and row2["score"] == row["score"] and
          row2["survey"]["questions"] == s["questions"], "1-best numbers = the text export")
    check(row2["survey"]["encoding"] == "GB18030", "survey encoding in the json")
    write(ini, evaluation("scale = 5-best\n"))
    js = json.loads(run(ini, "--format", "json").stdout)
    row3 = next(r for r in js["indicators"] if r["level3"] == "实训人员满意度")
    check((row3["survey"]["valid"], row3["survey"]["satisfied"]) == (57, 4),
          "5-best reads the same numbers the other way round: %r" % row3["survey"])

    # satisfied = also counts 一般; columns = chooses the questions
    write(ini, evaluation("scale = 1-best\nsatisfied = 非常满意，比较满意, 一般\ncolumns = %s\n" %
                          QUESTIONS[0]))
    js = json.loads(run(ini, "--format", "json").stdout)
    s4 = next(r for r in js["indicators"] if r["level3"] == "实训人员满意度")["survey"]
    check(len(s4["questions"]) == 1 and s4["questions"][0]["question"] == QUESTIONS[0] and
          s4["satisfied"] == s4["answers"][0] + s4["answers"][1] + s4["answers"][2],
          "columns and satisfied %r" % s4)

    # more than 10% invalid: a warning, the report is still made
    write(ini, evaluation("scale = 1-best\ncolumns = %s, 4、您的意见和建议\n" % QUESTIONS[0]))
    p = run(ini)
    warn = [l for l in p.stderr.decode().splitlines() if "警告" in l]
    check(len(warn) == 1 and warn[0].startswith("%s: 警告：40 个答案中有 2" % wjx_csv) and
          "超过 10%" in warn[0] and "“希望多安排实操”、“无”" in warn[0],
          "warning above 10%% invalid %r" % warn)

    # the budget: GBK, 万元, separators, 合计 and 资金来源 rows
    write(wjx_csv, "\ufeff" + wjx(False))
    write(ini, evaluation(""))
    p = run(ini, "--format", "json")
    b = json.loads(p.stdout)["budget"]
    check(abs(b["budget"] - 22800000) < 1e-6 and abs(b["spent"] - 22178900) < 1e-6 and
          abs(b["initial"] - 22000000) < 1e-6, "budget in 元 %r" % b)
    check(len(b["items"]) == 3, "合计 and 资金来源 rows are not sub-projects")
    check(b["score"] == 9.73, "预算执行率 score %r" % b["score"])
    check(abs(b["sources"]["current"]["budget"] - 21500000) < 1e-6 and
          abs(b["sources"]["carried_over"]["spent"] - 1178900) < 1e-6 and
          b["sources"]["other"]["budget"] == 0, "资金来源 %r" % b["sources"])
    md = run(ini).stdout.decode()
    check("| 年度资金总额 | 2,200.00 | 2,280.00 | 2,217.89 | 10 | 97.28% | 9.73 |" in md,
          "md 年度资金总额 in 万元")
    check("| 其中：当年财政拨款 | 2,100.00 | 2,150.00 | 2,100.00 | — | 97.67% | — |" in md,
          "md 当年财政拨款")
    check("- 实施单位：上海市公共实训基地" in md and "| 完成培训 1000 人次 | 完成培训 1200 人次 |" in md,
          "md 实施单位 and 年度总体目标")

    # 资金来源 as a column instead of rows: the form's rows are its sums
    write(budget, "子项目名称,全年预算数（元）,全年执行数（元）,资金来源\n甲,\"1,000,000\",900000,当年财政拨款\n"
          "乙,500000,500000,上年结转\n丙,300000,240000,当年财政拨款\n总计,\"1,800,000\",\"1,640,000\",\n")
    js = json.loads(run(ini, "--format", "json").stdout)
    b = js["budget"]
    check(b["sources"]["current"] == {"initial": None, "budget": 1300000, "spent": 1140000} and
          b["sources"]["carried_over"]["budget"] == 500000 and b["sources"]["other"] is None and
          [i["source"] for i in b["items"]] == ["current", "carried_over", "current"] and
          b["budget"] == 1800000, "资金来源 column %r" % b)
    write(budget, BUDGET, "gb18030")

    # every bad input: one line naming the file and line (after the GBK notice)
    def bad_budget(text, want, encoding="gb18030"):
        write(budget, text, encoding)
        p = run(ini, ok=1)
        lines = [l for l in p.stderr.decode().splitlines() if not l.endswith("按 GB18030（GBK）编码读取")]
        check(lines == [want % budget], "bad budget: %r, wanted %r" % (lines, want % budget))

    bad_budget(BUDGET.replace('合计,"2,200.00","2,280.00"', '合计,"2,200.00","4,560.00"'),
               "%s:5: 合计行的全年预算数 4,560.00 万元与各子项目之和 2,280.00 万元不符")
    bad_budget(BUDGET.replace('当年财政拨款,"2,100.00","2,150.00"', '当年财政拨款,"2,100.00","2,000.00"'),
               "%s:6: 资金来源各行的全年预算数 2,130.00 万元与合计 2,280.00 万元不符")
    bad_budget(BUDGET.replace('"1,860.00"', '"1,86,0"'), "%s:2: 全年预算数“1,86,0”不是金额")
    bad_budget("子项目名称,全年预算数,全年执行数\n甲,1,1\n".encode("gb18030") + b"\xff,1,1\n",
               "%s:3: 既不是 UTF-8 也不是 GB18030（GBK）编码的文本（请在 Excel 中另存为“CSV UTF-8”）")
    bad_budget("子项目名称,全年预算数（元）,全年执行数（元）,资金来源\n甲,100,90,专项债\n",
               "%s:2: 资金来源“专项债”不是当年财政拨款、上年结转或其他资金", "utf-8")
    write(budget, BUDGET, "gb18030")

    def bad_eval(extra, want, survey="wjx.csv"):
        write(ini, evaluation(extra, survey))
        p = run(ini, ok=1)
        lines = [l for l in p.stderr.decode().splitlines() if not l.endswith("按 GB18030（GBK）编码读取")]
        check(lines == [want], "bad evaluation: %r, wanted %r" % (lines, want))

    bad_eval("scale = 2-best\n", "%s:13: scale：'2-best' 不是有效的量表：5-best（5 = 非常满意）或 "
             "1-best（1 = 非常满意，问卷星即按此给选项编号）" % ini)
    bad_eval("satisfied = 非常满意, 很好\n", "%s:13: satisfied：'很好' 不是五级量表中的答案（非常满意、"
             "满意、比较满意、一般、不满意、非常不满意……）" % ini)
    bad_eval("columns = 5、您对食堂是否满意\n", "%s:13: [survey 实训人员满意度] columns: %s 中没有"
             "“5、您对食堂是否满意”列（表头：%s）" % (ini, wjx_csv, "、".join(HEADER)))
    write(os.path.join(tmp, "plain.csv"), "编号,答案\n1,非常满意\n")
    bad_eval("", "%s:1: 表头中没有含“满意”的列，请在 [survey 实训人员满意度] 中用 columns = 指明题目"
             "（表头：编号、答案）" % os.path.join(tmp, "plain.csv"), survey="plain.csv")
    bad_eval("colums = x\n", "%s:13: 未知的键 'colums'（在 [survey 实训人员满意度] 中；可用：file, "
             "columns, scale, satisfied）" % ini)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print("%d checks failed" % len(failures))
    sys.exit(1)
print("all input checks passed")
