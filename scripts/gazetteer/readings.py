"""Pinyin readings of Chinese place names, shared by the gazetteer and phrase-table scripts.

pypinyin reads phrases it knows well, but reads many place names with the everyday
reading of a polyphonic character (长治 → zhangzhi, 都昌 → douchang, 朝阳 → zhaoyang).
The tables below carry the readings used on official maps and road signs.
"""

from pypinyin import Style, lazy_pinyin

# Whole-name readings that neither pypinyin nor the per-character rules get right.
NAME_READINGS = {
    "陕西": ["shaan", "xi"],  # official romanization, keeps it apart from 山西 shanxi
    "长子": ["zhang", "zi"],
    "单县": ["shan", "xian"],
    "洪洞": ["hong", "tong"],
    "涡阳": ["guo", "yang"],
    "筠连": ["jun", "lian"],
    "荥经": ["ying", "jing"],
    "中牟": ["zhong", "mou"],
    "繁峙": ["fan", "shi"],
    "浚县": ["xun", "xian"],
    "伽师": ["jia", "shi"],
    "漯河": ["luo", "he"],
    "六合": ["lu", "he"],
    "尉犁": ["yu", "li"],
    "六安": ["lu", "an"],
    "蚌埠": ["beng", "bu"],
    "厦门": ["xia", "men"],
    "重庆": ["chong", "qing"],
    "盱眙": ["xu", "yi"],
    "大埔": ["da", "bu"],
    "番禺": ["pan", "yu"],
    "乐亭": ["lao", "ting"],
    "乐清": ["yue", "qing"],
    "铅山": ["yan", "shan"],
    "歙县": ["she", "xian"],
    "莘县": ["shen", "xian"],
    "蔚县": ["yu", "xian"],
    "枞阳": ["zong", "yang"],
    "黄陂": ["huang", "pi"],
    "东阿": ["dong", "e"],
    "犍为": ["qian", "wei"],
    "郫都": ["pi", "du"],
    "鄄城": ["juan", "cheng"],
    "蠡县": ["li", "xian"],
    "吴堡": ["wu", "bao"],
    "柞水": ["zha", "shui"],
    "牟平": ["mu", "ping"],
    "曾都": ["zeng", "du"],
    "马尾": ["ma", "wei"],
    "泊头": ["bo", "tou"],
    "覃塘": ["qin", "tang"],
    "召陵": ["shao", "ling"],
    "龙圩": ["long", "xu"],
}

# Characters whose place-name reading differs from their everyday default reading.
CHAR_READINGS = {
    "长": "chang",
    "都": "du",
    "朝": "chao",
    "堡": "bao",
    "勒": "le",
    "什": "shi",
    "蚌": "beng",
    "乐": "le",
    "卡": "ka",
    "佛": "fo",
    "柏": "bai",
}


def plain(syllable):
    return syllable.replace("ü", "v").replace("ê", "e")


def reading(name):
    """Syllables of a place name (full or short), toneless, ü written v."""
    out = []
    i = 0
    while i < len(name):
        for j in range(len(name), i, -1):
            if name[i:j] in NAME_READINGS:
                out.extend(NAME_READINGS[name[i:j]])
                i = j
                break
        else:
            j = i + 1
            while j < len(name) and not any(name[j:k] in NAME_READINGS for k in range(j + 1, len(name) + 1)):
                j += 1
            chunk = name[i:j]
            syllables = lazy_pinyin(chunk, style=Style.NORMAL, v_to_u=False)
            if len(syllables) != len(chunk):
                raise ValueError(f"unreadable place name {name!r}")
            out.extend(CHAR_READINGS.get(c, plain(s)) for c, s in zip(chunk, syllables))
            i = j
    return out
