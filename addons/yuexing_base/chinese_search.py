"""Substring search on text fields, also on PostgreSQL.

trytond answers an `ilike '%…%'` on a Text field with PostgreSQL's full-text
search (to_tsvector/to_tsquery). Those split words at spaces and
punctuation, which Chinese has not: '滴水' is then never found inside
'楼下天花板滴水'. Our users search Chinese, so a Text field is searched like a
Char field (ILIKE), as it already is on SQLite."""
from trytond.model import fields


def install():
    fields.Text.search_full_text = False
