"""The access matrix: what each role may do, declared per module in
``addons/<module>/access/<role>.toml`` and merged by role. It is the source
of truth that ``tests/test_access_matrix.py`` compares with the rights the
server really grants over JSON-RPC.

A file lists models (by ``__name__``); a model not listed for a role is
denied to it (read, write, create, delete and every button)::

    [models]
    "party.party" = "r"          # r, w, c, d: read, write, create, delete

    [models."yuexing.work_order"]
    perm = "rwc"
    buttons = ["assign", "cancel"]  # the buttons it may click ("*": all)
    rules = ["yuexing_workorder.rule_group_work_order_dispatcher"]
    denied_fields = ["cost_price"]  # fields it may not read

``rules`` are the xml ids of the ``ir.rule.group`` (record rules) that apply
to the role's reads, global rules (company isolation) left out. Entries of
the same model for the same role in several modules are merged (union).
"""
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

INTERNAL_ROLES = ('customer_service', 'dispatcher', 'project_manager',
    'warehouse', 'finance', 'management', 'system_admin')
EXTERNAL_ROLES = ('technician', 'b2b_customer', 'c2c_customer')
PERMS = {'r': 'read', 'w': 'write', 'c': 'create', 'd': 'delete'}


@dataclass
class Entry:
    perms: set = field(default_factory=set)       # {'read', 'write', ...}
    buttons: set = field(default_factory=set)     # names, or {'*'}
    rules: set = field(default_factory=set)       # ir.rule.group xml ids
    denied_fields: set = field(default_factory=set)
    sources: list = field(default_factory=list)   # files declaring it

    def merge(self, other):
        self.perms |= other.perms
        self.buttons |= other.buttons
        self.rules |= other.rules
        self.denied_fields |= other.denied_fields
        self.sources += other.sources

    def allows_button(self, name):
        return '*' in self.buttons or name in self.buttons


def parse_entry(value, source):
    if isinstance(value, str):
        value = {'perm': value}
    unknown = set(value) - {'perm', 'buttons', 'rules', 'denied_fields'}
    if unknown:
        raise ValueError(f"{source}: unknown keys {sorted(unknown)}")
    letters = value.get('perm', '')
    if set(letters) - set(PERMS):
        raise ValueError(f"{source}: perm {letters!r} is not made of rwcd")
    buttons = value.get('buttons', [])
    if buttons == '*':
        buttons = ['*']
    return Entry(
        perms={PERMS[letter] for letter in letters},
        buttons=set(buttons),
        rules=set(value.get('rules', [])),
        denied_fields=set(value.get('denied_fields', [])),
        sources=[source])


def load(module_dirs):
    """{role: {model: Entry}} from the access/*.toml files of the given
    module directories (the activated modules)."""
    matrix = {role: {} for role in INTERNAL_ROLES + EXTERNAL_ROLES}
    for directory in module_dirs:
        for path in sorted(Path(directory, 'access').glob('*.toml')):
            role = path.stem
            if role not in matrix:
                raise ValueError(f"{path}: unknown role {role!r}")
            with path.open('rb') as file:
                data = tomllib.load(file)
            if set(data) - {'models'}:
                raise ValueError(f"{path}: only a [models] table is expected")
            for model, value in data.get('models', {}).items():
                entry = parse_entry(value, f'{path.parent.parent.name}/'
                    f'access/{path.name}: {model}')
                if model in matrix[role]:
                    matrix[role][model].merge(entry)
                else:
                    matrix[role][model] = entry
    return matrix


def dump(entries):
    """TOML text of {model: Entry} (the inverse of load, for one file):
    writes a first matrix from the effective rights, to be reviewed."""
    letters = {v: k for k, v in PERMS.items()}

    def perm_of(entry):
        return ''.join(letters[p] for p in ['read', 'write', 'create',
                'delete'] if p in entry.perms)

    def toml_list(values):
        return '[' + ', '.join(f'"{v}"' for v in sorted(values)) + ']'

    simple, tables = ['[models]'], []
    for model in sorted(entries):
        entry = entries[model]
        keys = [k for k in ['buttons', 'rules', 'denied_fields']
            if getattr(entry, k)]
        if not keys:
            simple.append(f'"{model}" = "{perm_of(entry)}"')
            continue
        tables += ['', f'[models."{model}"]', f'perm = "{perm_of(entry)}"']
        for key in keys:
            tables.append(f'{key} = {toml_list(getattr(entry, key))}')
    return '\n'.join(simple + tables) + '\n'
