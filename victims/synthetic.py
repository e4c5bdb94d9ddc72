"""Synthetic people for the demo, the tests and the benchmarks — never real ones.

Names are drawn from common surnames and given-name characters; resident ID numbers are valid
in form (region code, birth date, sequence, check digit) but made up, and built from a random
generator the caller seeds, so runs are repeatable. Places are named no finer than a county and
a placeholder (某街道, 某村): no address here can be anyone's.
"""

from __future__ import annotations

import datetime
import random

from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "秀英华玉兰桂芳丽梅敏静燕红霞明国建文军平志海春金小晓雪婷欣怡佳雨涵子梓萱诗思琪慧娟月凤琳颖洁"
GIVEN_MALE = "伟强磊军勇杰涛斌浩宇辉鹏俊晨睿博轩阳东林峰超刚健亮志明国建文平海"
FUJIAN_COUNTIES = ("350102", "350103", "350104", "350105", "350111", "350121", "350203", "350205", "350206", "350211")
ORIGIN_COUNTIES = ("530102", "520102", "532301", "450102", "430102", "420102", "360102", "340102", "410102", "350102")

# Where synthetic people come from: county code -> (the county's name as an address starts, the
# ethnic groups drawn for people from there, the first most often). Every code has been valid
# since 1983 or earlier, so python-stdnum accepts it in any birth year from then on.
ORIGIN_PLACES: dict[str, tuple[str, tuple[str, ...]]] = {
    "530102": ("云南省昆明市五华区", ("汉族",)),
    "532301": ("云南省楚雄彝族自治州楚雄市", ("汉族", "彝族")),
    "532524": ("云南省红河哈尼族彝族自治州建水县", ("汉族", "哈尼族", "彝族")),
    "520102": ("贵州省贵阳市南明区", ("汉族",)),
    "522601": ("贵州省黔东南苗族侗族自治州凯里市", ("苗族", "汉族", "侗族")),
    "513401": ("四川省凉山彝族自治州西昌市", ("彝族", "汉族")),
    "450102": ("广西壮族自治区南宁市兴宁区", ("汉族", "壮族")),
    "430102": ("湖南省长沙市芙蓉区", ("汉族",)),
    "420102": ("湖北省武汉市江岸区", ("汉族",)),
    "360102": ("江西省南昌市东湖区", ("汉族",)),
    "340102": ("安徽省合肥市瑶海区", ("汉族",)),
    "410102": ("河南省郑州市中原区", ("汉族",)),
    "350102": ("福建省福州市鼓楼区", ("汉族",)),
    "350121": ("福建省福州市闽侯县", ("汉族",)),
    "350203": ("福建省厦门市思明区", ("汉族",)),
}
EARLIEST_ORIGIN_BIRTH_YEAR = 1983  # every ORIGIN_PLACES code is valid from this year on
LOCAL_PLACES = ("某街道某社区", "某镇某村", "某乡某村")

# Foreign nationals met in Fujian's cases (ISO 3166 code -> where an address starts).
FOREIGN_PLACES = {"VN": "越南某省某县某村", "MM": "缅甸某邦某镇某村", "LA": "老挝某省某县某村"}
FOREIGN_LANGUAGES = {"VN": "越南语", "MM": "缅甸语", "LA": "老挝语"}
_VN_FAMILY = ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo")
_VN_GIVEN_F = ("Lan", "Hoa", "Mai", "Huong", "Thu", "Linh", "Ngoc", "Hang", "Trang", "Nhung", "Phuong")
_VN_GIVEN_M = ("Minh", "Hung", "Tuan", "Nam", "Duc", "Quang", "Son", "Long")
_MM_SYLLABLES_F = ("Aye", "Mya", "Hnin", "Khin", "Su", "Nwe", "Ei", "Phyu", "Thazin", "Yadanar", "Zin", "Thiri")
_MM_SYLLABLES_M = ("Aung", "Kyaw", "Zaw", "Min", "Htet", "Naing", "Tun", "Win", "Soe", "Myo")
_LA_GIVEN_F = ("Noy", "Keo", "Manivone", "Phonsavanh", "Vilay", "Bouakham", "Chanthala", "Souda", "Latsamy")
_LA_GIVEN_M = ("Somphone", "Khamla", "Bounmy", "Sengdao", "Vanh", "Thongchanh")
_LA_FAMILY = ("Phommachanh", "Sisouphanh", "Keomany", "Vongsa", "Inthavong", "Douangchak", "Sihalath", "Phimmasone")


def chinese_name(rng: random.Random, *, surname: str | None = None, male: bool = False) -> str:
    """A two- or three-character name; ``surname`` keeps a family's, ``male`` draws from male
    given-name characters. With neither, draws exactly as it always has (fixtures rely on it)."""
    given = GIVEN_MALE if male else GIVEN
    family = rng.choice(SURNAMES) if surname is None else surname
    return family + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))


def foreign_name(rng: random.Random, nationality: str, *, female: bool = True) -> str:
    """A name in the Latin spelling a passport of ``nationality`` (VN, MM, LA) would carry."""
    if nationality == "VN":
        middle = "Thi" if female else "Van"
        return f"{rng.choice(_VN_FAMILY)} {middle} {rng.choice(_VN_GIVEN_F if female else _VN_GIVEN_M)}"
    if nationality == "MM":  # Burmese names have no family name
        syllables = _MM_SYLLABLES_F if female else _MM_SYLLABLES_M
        return " ".join(rng.choice(syllables) for _ in range(rng.choice((2, 3))))
    if nationality == "LA":
        return f"{rng.choice(_LA_GIVEN_F if female else _LA_GIVEN_M)} {rng.choice(_LA_FAMILY)}"
    raise ValueError(f"no synthetic names for nationality {nationality!r}")


def passport_number(rng: random.Random, country: str) -> str:
    """A made-up passport number in the usual shape of ``country``'s (VN, MM, LA)."""
    if country == "VN":
        return f"C{rng.randrange(10**7):07d}"
    if country == "MM":
        return f"M{rng.choice('ABCD')}{rng.randrange(10**6):06d}"
    if country == "LA":
        return f"P{rng.randrange(10**7):07d}"
    raise ValueError(f"no synthetic passports for country {country!r}")


def resident_id(rng: random.Random, *, region: str, birth_date: datetime.date, female: bool) -> str:
    """A valid GB 11643 number (sequence digit even for women, odd for men). The region must
    have existed in the birth year (python-stdnum checks that, and so does this, raising
    ``ValueError``): FUJIAN_COUNTIES all exist from 1987 on, ORIGIN_PLACES from 1983."""
    sequence = rng.randrange(0, 50) * 2 + (0 if female else 1)
    body = f"{region}{birth_date:%Y%m%d}{rng.randrange(0, 10)}{sequence:02d}"
    number = body + ric.calc_check_digit(body + "0")
    if not ric.is_valid(number):
        raise ValueError(f"region {region} did not exist in {birth_date.year}")
    return number


def birth_date(rng: random.Random, *, today: datetime.date, min_age: int, max_age: int) -> datetime.date:
    days = rng.randrange(min_age * 365 + 1, max_age * 365 - 1)
    return today - datetime.timedelta(days=days)


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"


def address(rng: random.Random, county: str) -> str:
    """A placeholder address in a county of :data:`ORIGIN_PLACES`: ``云南省昆明市五华区某镇某村``."""
    return ORIGIN_PLACES[county][0] + rng.choice(LOCAL_PLACES)


def weighted(rng: random.Random, weights: dict):
    """One key of ``weights`` drawn with a chance in proportion to its value."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]
