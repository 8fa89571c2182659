"""Addresses with 省/市/区, a geo-point and 地址智能识别."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval

from .audit import AuditMixin
from .exceptions import RegionError
from .workflow import field_label

GEO_SOURCES = [
    (None, ''),
    ('region', "Region Centre"),
    ('geocoder', "Geocoder"),
    ('gps', "GPS"),
    ('manual', "Manual"),
    ]


class Address(AuditMixin, metaclass=PoolMeta):
    __name__ = 'party.address'

    recognize_text = fields.Char(
        "Paste Full Address",
        help="Paste an address such as 上海市浦东新区张江路88号3号楼501 "
        "to fill province, city, district and street.")
    city_region = fields.Many2One(
        'country.subdivision', "City Region",
        domain=[
            ('region_level', '=', 'city'),
            ('parent', '=', Eval('subdivision', -1)),
            ],
        states={'invisible': ~Bool(Eval('subdivision'))})
    district = fields.Many2One(
        'country.subdivision', "District",
        domain=[
            ('region_level', '=', 'district'),
            ('parent', '=', Eval('city_region', -1)),
            ],
        states={'invisible': ~Bool(Eval('city_region'))})
    latitude = fields.Float("Latitude", digits=(9, 6),
        domain=['OR',
            ('latitude', '=', None),
            [('latitude', '>=', -90), ('latitude', '<=', 90)],
            ])
    longitude = fields.Float("Longitude", digits=(9, 6),
        domain=['OR',
            ('longitude', '=', None),
            [('longitude', '>=', -180), ('longitude', '<=', 180)],
            ])
    geo_source = fields.Selection(GEO_SOURCES, "Geo-point Source")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'recognize': {
                    'invisible': ~Eval('recognize_text'),
                    'depends': ['recognize_text'],
                    },
                })

    @classmethod
    def default_country(cls):
        pool = Pool()
        Country = pool.get('country.country')
        countries = Country.search([('code', '=', 'CN')], limit=1)
        return countries[0].id if countries else None

    @fields.depends('subdivision', 'city_region')
    def on_change_subdivision(self):
        if self.city_region and self.city_region.parent != self.subdivision:
            self.city_region = None
            self.district = None

    @fields.depends('city_region', 'district')
    def on_change_city_region(self):
        if self.city_region:
            self.city = self.city_region.name
        if self.district and self.district.parent != self.city_region:
            self.district = None

    @fields.depends('district', 'geo_source')
    def on_change_district(self):
        # A region centre is a better geo-point than none, but never
        # replaces a GPS or geocoded one.
        if self.district and self.geo_source in {None, 'region'}:
            self.latitude = self.district.latitude
            self.longitude = self.district.longitude
            self.geo_source = 'region'

    @fields.depends('recognize_text', methods=['apply_recognition'])
    def on_change_recognize_text(self):
        if self.recognize_text:
            try:
                self.apply_recognition(self.recognize_text)
            except RegionError:
                # In the form the user sees the fields stay empty; the
                # button and the API report the error.
                pass

    @fields.depends(
        'country', 'subdivision', 'city_region', 'district', 'city',
        'street_unstructured', 'latitude', 'longitude', 'geo_source')
    def apply_recognition(self, text):
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        found = Subdivision.recognize(text)
        self.country = found['country']
        self.subdivision = found['province']
        self.city_region = found['city']
        self.district = found['district']
        if found['city']:
            self.city = found['city'].name
        if found['street']:
            self.street_unstructured = found['street']
        if self.geo_source in {None, 'region'}:
            self.latitude = found['latitude']
            self.longitude = found['longitude']
            self.geo_source = 'region'

    @classmethod
    @ModelView.button
    def recognize(cls, addresses):
        for address in addresses:
            address.apply_recognition(address.recognize_text)
            address.recognize_text = None
        cls.save(addresses)

    @classmethod
    def values_from_text(cls, text):
        """Return the create/write values of an address recognised from text
        (used by intake, imports and the API); raises RegionError."""
        address = cls()
        address.geo_source = None
        address.apply_recognition(text)
        return {
            'country': address.country.id if address.country else None,
            'subdivision': (
                address.subdivision.id if address.subdivision else None),
            'city_region': (
                address.city_region.id if address.city_region else None),
            'district': address.district.id if address.district else None,
            'city': address.city,
            'street_unstructured': address.street_unstructured,
            'latitude': address.latitude,
            'longitude': address.longitude,
            'geo_source': address.geo_source,
            }

    @classmethod
    def values_from_parsed(cls, parsed, text='', regions=None):
        """Address values of an address parsed already (bulk imports parse
        all rows at once and load their regions in one query)."""
        Subdivision = Pool().get('country.subdivision')
        found = Subdivision.recognized(parsed, text, regions=regions)

        def id_of(record):
            return record.id if record else None
        return {
            'country': id_of(found['country']),
            'subdivision': id_of(found['province']),
            'city_region': id_of(found['city']),
            'district': id_of(found['district']),
            'city': found['city'].name if found['city'] else None,
            'street_unstructured': found['street'] or None,
            'latitude': found['latitude'],
            'longitude': found['longitude'],
            'geo_source': 'region',
            }

    @classmethod
    def validate_fields(cls, addresses, field_names):
        super().validate_fields(addresses, field_names)
        if field_names and not (
                field_names & {'subdivision', 'city_region', 'district'}):
            return
        for address in addresses:
            address.check_region_chain()

    def check_region_chain(self):
        "Refuse a district outside its city, or a city outside its province."
        pairs = [
            (self.district, self.city_region, 'district'),
            (self.city_region, self.subdivision, 'city_region'),
            ]
        for child, parent, field in pairs:
            if child and parent and child.parent != parent:
                raise RegionError(gettext(
                        'yuexing_base.msg_region_mismatch',
                        field=field_label(self.__class__, field),
                        child=child.name, parent=parent.name))

    def get_full_address(self, name):
        if self.country and self.country.code == 'CN':
            return self.chinese_full_address()
        return super().get_full_address(name)

    def chinese_full_address(self):
        "省市区 + street on one line, the way it is written in China."
        parts = []
        for region in (self.subdivision, self.city_region, self.district):
            if region and (not parts or parts[-1] != region.name):
                parts.append(region.name)
        street = getattr(self, 'street', None)
        if street:
            parts.append(' '.join(street.splitlines()))
        return ''.join(parts)

    def get_rec_name(self, name):
        if self.country and self.country.code == 'CN':
            return self.chinese_full_address() or super().get_rec_name(name)
        return super().get_rec_name(name)
