"""Reading 公共施設一覧 CSV files: their encodings, both generations' headers, line numbers.

Real files come as UTF-8 with or without a BOM, CP932 (Shift_JIS as Windows writes it) and
now and then UTF-16, with CRLF or LF line ends. ``decode`` finds out which; ``read_table``
maps each header onto ``layout.COLUMNS`` (through ``layout.ALIASES``) and keeps, for every
record, the line of the file where it starts, so that errors can point at it.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field

from hiroba.opendata.layout import ALIASES, ALSO_READ, COLUMNS, NOT_IMPORTED

ENCODINGS = ("auto", "utf-8", "cp932", "utf-16")
# Python's names: utf-8-sig drops a BOM if there is one; utf-16 reads its BOM.
CODECS = {"utf-8": "utf-8-sig", "cp932": "cp932", "utf-16": "utf-16"}
REQUIRED_COLUMNS = ("全国地方公共団体コード", "ID", "名称", "緯度", "経度")
MAX_ROWS = 100_000


class OpenDataFileError(ValueError):
    """The file as a whole cannot be read; the message says where and why."""


def header_key(name: str) -> str:
    """A header as compared: NFKC (full-width brackets and underscores folded), no spaces."""
    return "".join(unicodedata.normalize("NFKC", name).split())


KNOWN = {header_key(c): c for c in [*COLUMNS, *ALSO_READ]}
KNOWN.update({header_key(alias): name for alias, name in ALIASES.items()})
IGNORED = {header_key(c) for c in NOT_IMPORTED}


def _undecodable(data: bytes, encoding: str, error: UnicodeDecodeError) -> OpenDataFileError:
    line = data[: error.start].count(b"\n") + 1
    return OpenDataFileError(f"line {line}: the file cannot be read as {encoding}")


def decode(data: bytes, encoding: str = "auto") -> str:
    """The file's text. ``auto``: a BOM decides; else strict UTF-8; else CP932."""
    if encoding not in ENCODINGS:
        raise OpenDataFileError(f"unknown encoding {encoding}; use one of {', '.join(ENCODINGS)}")
    if encoding == "auto":
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                encoding = "cp932"
    try:
        return data.decode(CODECS[encoding])
    except UnicodeDecodeError as error:
        raise _undecodable(data, encoding, error) from None


@dataclass(frozen=True)
class SourceRow:
    line: int  # where the record starts in the file (the header is line 1)
    cells: dict[str, str]  # column of ``layout.COLUMNS`` → the value as written
    overflow: bool = False  # more values than the header has columns: they may be shifted


@dataclass
class Table:
    columns: dict[str, str]  # column of ``layout.COLUMNS`` → the header as the file spells it
    rows: list[SourceRow]
    not_imported: list[str] = field(default_factory=list)  # headers known but not read
    unknown: list[str] = field(default_factory=list)  # headers hiroba does not know

    def header(self, column: str) -> str:
        """The file's own name for ``column`` (what the person fixing the file looks for)."""
        return self.columns.get(column, column)


def _columns(header: list[str]) -> tuple[list[str | None], Table]:
    table = Table(columns={}, rows=[])
    positions: list[str | None] = []
    for raw in header:
        name = raw.strip()
        key = header_key(name)
        column = KNOWN.get(key)
        if column is not None and column not in table.columns and key not in IGNORED:
            table.columns[column] = name
            positions.append(column)
            continue
        positions.append(None)
        if column is not None or key in IGNORED:
            table.not_imported.append(name)
        elif name:
            table.unknown.append(name)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise OpenDataFileError(f"line 1: missing column(s) {', '.join(missing)}")
    return positions, table


def read_table(text: str) -> Table:
    """The header and every non-empty record of a CSV text."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise OpenDataFileError("the file is empty")
        header[0] = header[0].removeprefix("\ufeff")
        positions, table = _columns(header)
        start = reader.line_num + 1
        for record in reader:
            cells = {c: v for c, v in zip(positions, record, strict=False) if c is not None}
            if any(v.strip() for v in record):
                overflow = any(v.strip() for v in record[len(positions) :])
                table.rows.append(SourceRow(start, cells, overflow))
            if len(table.rows) > MAX_ROWS:
                raise OpenDataFileError(f"more than {MAX_ROWS} rows; split the file")
            start = reader.line_num + 1
    except csv.Error as error:
        raise OpenDataFileError(f"line {reader.line_num}: {error}") from None
    return table
