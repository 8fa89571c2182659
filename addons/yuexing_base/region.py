"""Chinese administrative regions (省/市/区) on Tryton's country.subdivision.

The data (national adcodes with a centre point for every region) comes from
the cpca package, which is also the parser used to recognise free-text
addresses, so that recognition and the region table always agree.
"""
import csv
import importlib.util
import os
from functools import lru_cache

from sql import Null
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import RegionError

LEVELS = [
    (None, ''),
    ('province', "Province"),
    ('city', "City"),
    ('district', "District"),
    ]
# The 省 level of municipalities and special regions is not a 'province'.
_PROVINCE_TYPES = {
    '11': 'municipality', '12': 'municipality', '31': 'municipality',
    '50': 'municipality', '81': 'special administrative region',
    '82': 'special administrative region',
    '15': 'autonomous region', '45': 'autonomous region',
    '54': 'autonomous region', '64': 'autonomous region',
    '65': 'autonomous region',
    }
# cpca names the city level of municipalities "市辖区"/"县"; users say 上海市.
_PLACEHOLDER_CITIES = {
    '市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划'}


def _dataset_path():
    # Locate the file without importing cpca (which imports pandas).
    spec = importlib.util.find_spec('cpca')
    return os.path.join(
        spec.submodule_search_locations[0], 'resources', 'adcodes.csv')


@lru_cache(maxsize=1)
def china_regions():
    """Return the regions as a list of dicts sorted parents first:
    adcode (6 digits), parent adcode, level, name, latitude, longitude."""
    rows = {}
    with open(_dataset_path(), encoding='utf-8') as fp:
        for row in csv.DictReader(fp):
            code = row['adcode'][:6]
            if code[2:] == '0000':
                level, parent = 'province', None
            elif code[4:] == '00':
                level, parent = 'city', code[:2] + '0000'
            else:
                level, parent = 'district', code[:4] + '00'
            rows[code] = {
                'adcode': code, 'parent': parent, 'level': level,
                'name': row['name'],
                'latitude': float(row['latitude'] or 0) or None,
                'longitude': float(row['longitude'] or 0) or None,
                }
    for row in rows.values():
        if row['level'] == 'city' and row['name'] in _PLACEHOLDER_CITIES:
            row['name'] = rows[row['parent']]['name']
        # Some districts hang directly under the province (省直辖县).
        if row['parent'] and row['parent'] not in rows:
            row['parent'] = row['adcode'][:2] + '0000'
    order = {'province': 0, 'city': 1, 'district': 2}
    return sorted(
        rows.values(), key=lambda r: (order[r['level']], r['adcode']))


def parse_address(text):
    """Split a free-text Chinese address into its parts.

    Returns a dict with province, city, district (names as in the region
    table), adcode (6 digits, the most precise level found) and street (the
    rest of the text), or None where nothing was recognised.
    """
    return parse_addresses([text])[0]


# The parser goes through pandas (~0.2 s a call, whatever the number of
# texts): results are kept, and imports parse all their rows in one call.
_PARSED = {}
_PARSED_MAX = 100_000


def parse_addresses(texts):
    "parse_address of many texts with one call to the parser."
    texts = [(t or '').strip() for t in texts]
    pending = [t for t in dict.fromkeys(texts) if t and t not in _PARSED]
    if pending:
        import cpca  # imported lazily: it loads pandas
        if len(_PARSED) + len(pending) > _PARSED_MAX:
            _PARSED.clear()
        frame = cpca.transform(pending)
        for text, (_, row) in zip(pending, frame.iterrows(), strict=True):
            _PARSED[text] = _row_values(row)
    return [dict(_PARSED[t]) if t and _PARSED[t] else None for t in texts]


def _row_values(row):
    def value(column):
        item = row[column]
        return item if isinstance(item, str) and item else None

    adcode = value('adcode')
    if not adcode:
        return None
    return tuple({
            'adcode': adcode[:6],
            'province': value('省'),
            'city': value('市'),
            'district': value('区'),
            'street': value('地址') or '',
            }.items())


class Subdivision(metaclass=PoolMeta):
    __name__ = 'country.subdivision'

    adcode = fields.Char(
        "Administrative Code", readonly=True,
        help="The 6-digit national administrative division code "
        "(行政区划代码).")
    region_level = fields.Selection(LEVELS, "Region Level", readonly=True)
    latitude = fields.Float("Latitude", digits=(9, 6), readonly=True)
    longitude = fields.Float("Longitude", digits=(9, 6), readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.adcode, Index.Equality()),
                where=t.adcode != None))  # noqa: E711

    @classmethod
    def import_china(cls, provinces=None, progress=None):
        """Create the Chinese regions that are missing.

        provinces: optional list of 2-digit province prefixes to restrict the
        import (tests and small demos); progress: optional callable(done,
        total). Existing regions are kept, so it can be run again safely.
        Returns the number of regions created.
        """
        pool = Pool()
        Country = pool.get('country.country')
        Configuration = pool.get('ir.configuration')
        # Names are stored in the database's own language (no translation
        # rows for 3,500 records).
        with Transaction().set_context(
                language=Configuration.get_language()):
            return cls._import_china(Country, provinces, progress)

    @classmethod
    def _import_china(cls, Country, provinces, progress):
        countries = Country.search([('code', '=', 'CN')], limit=1)
        if countries:
            china, = countries
        else:
            china, = Country.create([{
                        'name': "China", 'code': 'CN', 'code3': 'CHN',
                        'code_numeric': '156'}])
        regions = [r for r in china_regions()
            if not provinces or r['adcode'][:2] in provinces]
        table = cls.__table__()
        cursor = Transaction().connection.cursor()

        def known():
            cursor.execute(*table.select(
                    table.adcode, table.id,
                    where=(table.country == china.id)
                    & (table.adcode != Null)))
            return dict(cursor)

        # Bulk SQL: 3,500 rows through the ORM take seconds, this takes
        # milliseconds; the rows are plain reference data.
        existing = known()
        user = Transaction().user
        now = CurrentTimestamp()
        columns = [table.country, table.name, table.code, table.type,
            table.adcode, table.region_level, table.latitude,
            table.longitude, table.parent, table.active, table.create_uid,
            table.create_date]
        created = 0
        for level in ('province', 'city', 'district'):
            values = []
            for region in regions:
                if region['level'] != level or region['adcode'] in existing:
                    continue
                if level == 'province':
                    type_ = _PROVINCE_TYPES.get(
                        region['adcode'][:2], 'province')
                else:
                    type_ = level
                values.append([china.id, region['name'],
                        'CN-' + region['adcode'], type_, region['adcode'],
                        level, region['latitude'], region['longitude'],
                        existing.get(region['parent']), True, user, now])
            for start in range(0, len(values), 500):
                cursor.execute(*table.insert(
                        columns, values[start:start + 500]))
            created += len(values)
            existing = known()
            if progress:
                progress(created, len(regions))
        return created

    @classmethod
    def from_adcode(cls, adcode):
        "Return the subdivision of a 6-digit adcode or None."
        if not adcode:
            return None
        records = cls.search([('adcode', '=', adcode[:6])], limit=1)
        return records[0] if records else None

    @classmethod
    def regions_of(cls, adcodes):
        "{adcode: subdivision} for many adcodes in one query."
        codes = {a[:6] for a in adcodes if a}
        if not codes:
            return {}
        return {s.adcode: s for s in cls.search([('adcode', 'in', codes)])}

    @classmethod
    def recognize(cls, text):
        """Recognise a free-text address as subdivisions.

        Returns a dict: province, city, district (records or None), street
        (str), latitude/longitude of the most precise region. Raises
        RegionError when no region is found or the regions are not loaded.
        """
        parsed = parse_address(text)
        if not parsed:
            raise RegionError(gettext(
                    'yuexing_base.msg_address_not_recognized', text=text))
        return cls.recognized(parsed, text)

    @classmethod
    def recognized(cls, parsed, text, regions=None):
        "The subdivisions of an already parsed address (see recognize)."
        if regions is None:
            regions = cls.regions_of([parsed['adcode']])
        region = regions.get(parsed['adcode'])
        if not region:
            raise RegionError(gettext(
                    'yuexing_base.msg_region_not_loaded',
                    adcode=parsed['adcode'], text=text))
        chain = {}
        node = region
        while node:
            chain[node.region_level] = node
            node = node.parent
        return {
            'country': region.country,
            'province': chain.get('province'),
            'city': chain.get('city'),
            'district': chain.get('district'),
            'street': parsed['street'],
            'latitude': region.latitude,
            'longitude': region.longitude,
            }


class ImportRegionsStart(ModelView):
    __name__ = 'yuexing.region.import.start'


class ImportRegions(Wizard):
    "Load the Chinese administrative regions"
    __name__ = 'yuexing.region.import'
    start = StateView('yuexing.region.import.start',
        'yuexing_base.region_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()

    def transition_import_(self):
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        # Long but bounded (≈3,500 rows): run inline, it takes seconds.
        with Transaction().set_context(_check_access=False):
            Subdivision.import_china()
        return 'end'
