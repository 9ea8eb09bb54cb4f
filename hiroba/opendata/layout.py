"""The 公共施設一覧 CSV layout (自治体標準オープンデータセット), as hiroba writes and reads it.

``COLUMNS`` is the new generation's common block, then the facility columns of the old
generation that apply, then hiroba's own columns (kind, who may use it, detailed hours…) so
that an export can be imported again without losing anything. ``ALIASES`` maps the spellings
seen in real files (old generation, misspellings) onto these names.

Files are UTF-8 with a BOM and CRLF line ends, so that Excel in Japan opens them correctly.
"""

from __future__ import annotations

COMMON = [
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語",
    "所在地_全国地方公共団体コード", "町字ID", "所在地_連結表記", "所在地_都道府県",
    "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)", "緯度", "経度",
    "電話番号", "内線番号", "連絡先メールアドレス", "連絡先FormURL", "郵便番号",
    "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明", "バリアフリー情報",
    "URL", "画像", "画像_ライセンス", "備考",
]  # fmt: skip
FACILITY = ["駐車場_有無", "料金_要否", "料金(詳細)"]
# hiroba's own columns: everything a listing holds that the standard layout has no place for.
HIROBA = [
    "種類", "公共・民間", "利用できる人", "定員", "広さ(平方メートル)", "設備", "利用条件",
    "位置の精度", "利用時間_詳細", "敷地_GeoJSON",
]  # fmt: skip
COLUMNS = COMMON + FACILITY + HIROBA

ALIASES = {
    "都道府県コード又は市区町村コード": "全国地方公共団体コード",
    "NO": "ID",
    "住所": "所在地_連結表記",
    "所在地_連結標記": "所在地_連結表記",  # a common misspelling
    "都道府県名": "所在地_都道府県",
    "市区町村名": "所在地_市区町村",
    "方書": "建物名等(方書)",
    "名称_英字": "名称_英語",
}
# Header names are compared after NFKC normalisation and without spaces, so full-width
# spellings such as 料金（詳細） are the same column as 料金(詳細).

# Columns that hiroba does not read (they have no place in a listing, or — 備考, 画像 — are
# written by the export itself); an import lists those it found and leaves them alone.
NOT_IMPORTED = [
    "地方公共団体名", "名称_通称", "所在地_全国地方公共団体コード", "町字ID", "内線番号",
    "法人番号", "団体名", "連絡先FormURL", "郵便番号", "画像", "画像_ライセンス", "備考",
    "アクセス方法", "駐車場情報",
]  # fmt: skip
# Read on import though never written: old-generation files carry the basic fee apart from
# the details (both become the fee text) and a POIコード that may say what kind of place it is.
ALSO_READ = ["料金(基本)", "POIコード"]

LIST_SEPARATOR = ";"  # バリアフリー情報 and hiroba's list columns
YES, NO = "有", "無"
WEEKDAY_NAMES = "月火水木金土日"  # ISO order: Monday first
APPROXIMATE_NOTE = "位置は約500mの範囲で示しています（個人宅などのため）。"

# Spreadsheets run a cell starting with one of these as a formula (CSV injection): the export
# writes such text cells behind an apostrophe, which the import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"

# バリアフリー情報 as municipalities write it: the words seen in real files (compared after NFKC
# normalisation, without spaces, lower case) and OpenStreetMap tags, beside hiroba's own labels.
ACCESSIBILITY_WORDS = {
    "step_free_entrance": [
        "段差なし", "段差のない入口", "段差解消", "スロープ", "スロープあり", "車いす対応",
        "車椅子対応", "車いす可", "wheelchair=yes", "wheelchair",
    ],
    "wheelchair_toilet": [
        "多目的トイレ", "多機能トイレ", "車いす対応トイレ", "車椅子対応トイレ", "車いす用トイレ",
        "車椅子用トイレ", "だれでもトイレ", "誰でもトイレ", "バリアフリートイレ",
        "toilets:wheelchair=yes", "toilets:wheelchair",
    ],
    "elevator": ["エレベーター", "エレベータ", "elevator", "elevator=yes", "lift"],
    "nursing_room": ["授乳室", "授乳スペース", "ベビールーム", "baby_feeding=yes"],
    "diaper_changing": [
        "おむつ替え台", "おむつ交換台", "おむつ替えシート", "ベビーシート", "ベビーベッド",
        "changing_table=yes", "changing_table",
    ],
    "assistance_dogs": ["補助犬同伴可", "補助犬", "盲導犬", "身体障害者補助犬", "ほじょ犬"],
    "hearing_loop": [
        "ヒアリングループ", "磁気ループ", "磁気誘導ループ", "hearing_loop=yes", "hearing_loop",
    ],
    "written_communication": ["筆談対応", "筆談", "筆談ボード", "コミュニケーションボード"],
    "accessible_parking": [
        "障害者用駐車場", "身障者用駐車場", "車いす用駐車場", "車椅子用駐車場",
        "思いやり駐車場", "capacity:disabled",
    ],
    "braille": ["点字案内", "点字", "点字ブロック", "点字表示", "点字案内板", "点字誘導ブロック"],
}  # fmt: skip
# POIコード (行政基本情報データ連携モデル) that name a kind other than a public facility.
POI_KINDS = {"1003": "park", "1006": "park"}
# 利用可能曜日 words beside the day names: 平日 and every day. Holidays are not weekly.
WEEKDAYS_WORD = "平日"
EVERY_DAY_WORDS = ("毎日", "全日", "年中無休", "無休")
HOLIDAY_WORDS = ("祝祭日", "祝日", "祝")
