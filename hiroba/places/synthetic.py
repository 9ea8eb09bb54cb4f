"""Synthetic places for benchmarks: many realistic listings, written by set-based SQL.

Not demo data (that is ``seeds/``): these are for measuring the map and the search API at the
scale of a large city or a country. Points are spread over the districts in proportion to their
area, with a denser core around stations; kinds, amenities, hours and precision follow the
proportions of the demo data; names and descriptions are Japanese. Everything goes through the
``places_derive`` trigger like any other write (district, public point, search text).
"""

from __future__ import annotations

import json

from sqlalchemy import text

from hiroba.accounts.models import Role, User
from hiroba.accounts.services import create_user, find_user_by_email
from hiroba.extensions import db
from hiroba.places.vocabulary import Accessibility, Amenity, Condition

OWNER_EMAIL = "synthetic-owner@hiroba.example"
NAME_PARTS = {
    "community_hall": ("町内会館", "自治会館", "集会所", "会館"),
    "public_facility": ("市民館", "こども文化センター", "いこいの家", "地域交流室"),
    "school": ("小学校 多目的室", "中学校 体育館", "小学校 ランチルーム"),
    "park": ("公園", "緑地", "ひろば", "児童公園"),
    "vacant_house": ("の空き家", "の古民家", "の空き部屋"),
    "vacant_shop": ("商店街の空き店舗", "駅前の空き店舗"),
    "cafe": ("カフェ", "珈琲店", "喫茶", "食堂"),
    "company_space": ("株式会社 会議室", "オフィス 交流スペース"),
    "shrine_temple": ("神社 境内", "寺 本堂", "稲荷 社務所"),
    "open_space": ("公開空地", "広場", "路地のひろば"),
    "farm_green": ("市民農園", "屋敷林", "共同菜園"),
    "other": ("まちの縁側", "地域の居場所"),
}
TOWNS = (
    "小杉", "新丸子", "溝口", "登戸", "鷺沼", "新百合ヶ丘", "元住吉", "日吉", "宮前平",
    "生田", "宿河原", "久地", "梶が谷", "鹿島田", "大師", "川崎", "向ヶ丘", "柿生",
)  # fmt: skip


# Tables whose "after insert" trigger refreshes place_features (migration 0012).
FEATURE_TRIGGER_TABLES = ("places", "opening_hours")


def _owner() -> User:
    owner = find_user_by_email(OWNER_EMAIL)
    if owner is None:
        owner = create_user(OWNER_EMAIL, "合成データ", "synthetic-data-password", Role.RESIDENT)
    return owner


def _sql_array(values) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def generate(count: int, seed: float = 0.42) -> int:
    """Insert ``count`` synthetic places (90 % approved); returns how many were written."""
    owner = _owner()
    db.session.execute(text("SELECT setseed(:seed)"), {"seed": seed})
    # Features are built once at the end, not once for the places and again for their hours.
    for table in FEATURE_TRIGGER_TABLES:
        db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER place_features_after_insert"))
    kinds = list(NAME_PARTS)
    suffixes = [list(NAME_PARTS[k]) for k in kinds]
    db.session.execute(
        text(f"""
        WITH wards AS (
            SELECT code, boundary, ST_Area(boundary) / sum(ST_Area(boundary)) OVER () AS share
            FROM districts
        ), points AS (
            SELECT (ST_Dump(ST_GeneratePoints(w.boundary, GREATEST(1, ceil(:count * w.share))::int,
                                              (random() * 1e6)::int))).geom AS location
            FROM wards w
        ), numbered AS (
            SELECT location, row_number() OVER () AS n, random() AS r1, random() AS r2,
                   random() AS r3, random() AS r4
            FROM points LIMIT :count
        )
        INSERT INTO places (owner_id, status, name, name_kana, kind, sector, description, address,
                            location, location_precision, capacity, amenities, accessibility,
                            conditions, fee, who_may_use, version, last_confirmed_at)
        SELECT :owner,
               CASE WHEN r1 < 0.9 THEN 'approved' ELSE 'pending' END,
               towns[1 + (n % {len(TOWNS)})]
                   || (CAST(:suffixes AS jsonb) -> (n % {len(kinds)})::int ->> (n / 7 % 2)::int)
                   || ' ' || n,
               'ゴウセイ' || n,
               kinds[1 + (n % {len(kinds)})],
               CASE WHEN n % {len(kinds)} IN (1, 2, 3, 10) THEN 'public' ELSE 'private' END,
               '合成データの場所です。地域の集まりや趣味の会に使えます。',
               towns[1 + (n % {len(TOWNS)})] || ' ' || (n % 9 + 1) || '丁目',
               location,
               CASE WHEN kinds[1 + (n % {len(kinds)})] = 'vacant_house' OR r2 < 0.05
                    THEN 'approximate' ELSE 'exact' END,
               CASE WHEN r3 < 0.2 THEN NULL ELSE 5 + (r3 * 120)::int END,
               -- "n > 0" ties each subset to its row: otherwise PostgreSQL draws it once.
               (SELECT coalesce(array_agg(a), '{{}}') FROM unnest(amenities) a
                 WHERE n > 0 AND random() < 0.35),
               (SELECT coalesce(array_agg(a), '{{}}') FROM unnest(access) a
                 WHERE n > 0 AND random() < 0.25),
               (SELECT coalesce(array_agg(a), '{{}}') FROM unnest(conds) a
                 WHERE n > 0 AND random() < 0.3),
               CASE WHEN r4 < 0.7 THEN 'free' ELSE 'paid' END,
               (ARRAY['anyone','anyone','ward_residents','registered_groups','members_only'])[
                   1 + (n % 5)],
               1,
               now() - (r4 * interval '300 days')
        FROM numbered,
             (SELECT {_sql_array(TOWNS)}::text[] AS towns,
                     {_sql_array(kinds)}::text[] AS kinds,
                     {_sql_array(m.value for m in Amenity)}::varchar[] AS amenities,
                     {_sql_array(m.value for m in Accessibility)}::varchar[] AS access,
                     {_sql_array(m.value for m in Condition)}::varchar[] AS conds) AS vocab
        """),
        {"count": count, "owner": owner.id, "suffixes": json.dumps(suffixes, ensure_ascii=False)},
    )
    # Weekday daytime hours for most, evenings and weekends for some.
    db.session.execute(
        text("""
        INSERT INTO opening_hours (place_id, weekday, opens_minute, closes_minute)
        SELECT p.id, d, CASE WHEN p.id % 4 = 0 THEN 1020 ELSE 540 END,
                        CASE WHEN p.id % 4 = 0 THEN 1260 ELSE 1020 END
        FROM places p CROSS JOIN generate_series(1, 7) AS d
        WHERE p.owner_id = :owner AND (d <= 5 OR p.id % 3 = 0)
          AND NOT EXISTS (SELECT 1 FROM opening_hours h WHERE h.place_id = p.id)
        """),
        {"owner": owner.id},
    )
    for table in FEATURE_TRIGGER_TABLES:
        db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER place_features_after_insert"))
    db.session.execute(
        text("SELECT place_features_refresh(ARRAY(SELECT id FROM places WHERE owner_id = :owner))"),
        {"owner": owner.id},
    )
    return count


def remove() -> int:
    """Delete every synthetic place (and their hours); returns how many there were."""
    owner = find_user_by_email(OWNER_EMAIL)
    if owner is None:
        return 0
    return db.session.execute(
        text("DELETE FROM places WHERE owner_id = :owner"), {"owner": owner.id}
    ).rowcount
