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
    "料金(詳細)": "料金(詳細)",
}

LIST_SEPARATOR = ";"  # バリアフリー情報 and hiroba's list columns
YES, NO = "有", "無"
WEEKDAY_NAMES = "月火水木金土日"  # ISO order: Monday first
APPROXIMATE_NOTE = "位置は約500mの範囲で示しています（個人宅などのため）。"
