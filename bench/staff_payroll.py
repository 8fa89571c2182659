#!/usr/bin/env python3
"""Benchmark: monthly payroll (generate + confirm) for a company.

    .venv/bin/python bench/staff_payroll.py [--scale 1.0] [--months 12]

Generates 500 × scale employees (salary, insurance city, special
deductions, approved overtime) in an in-memory SQLite database with
yuexing_staff, then runs the payroll month by month for a year: each batch
is ``Payslip.generate`` + ``Payslip.confirm`` for every employee of the
month (the tax cumulates over the confirmed months, so later months read
more history). Reports the median and max time per batch and per payslip.
"""
import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal

from common import progress


def configure():
    os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
    os.environ.setdefault('DB_NAME', ':memory:')
    os.environ.setdefault('DB_CACHE', tempfile.mkdtemp(prefix='yx-bench-'))
    os.environ['TRYTOND_ATTACHMENT__FILESTORE'] = 'False'
    os.environ.pop('TRYTOND_CONFIG', None)


def generate_data(company, count, year, rng):
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    City = pool.get('yuexing.payroll.city')
    Overtime = pool.get('yuexing.overtime')
    city, = City.create([{
                'name': "上海", 'valid_from': dt.date(year, 1, 1),
                'si_base_min': Decimal('7460'),
                'si_base_max': Decimal('37302'),
                'hf_base_min': Decimal('2690'),
                'hf_base_max': Decimal('37302'),
                'pension_rate': Decimal('0.08'),
                'medical_rate': Decimal('0.02'),
                'unemployment_rate': Decimal('0.005'),
                'housing_fund_rate': Decimal('0.07'),
                'employer_si_rate': Decimal('0.2626'),
                'employer_hf_rate': Decimal('0.07')}])
    parties = Party.create([{'name': f'员工{i:04d}'} for i in range(count)])
    employees = Employee.create([{
                'party': p.id, 'company': company.id,
                'is_technician': True,
                'start_date': dt.date(year - 1, 1, 1),
                'base_salary': Decimal(rng.choice(
                        [5500, 6500, 8000, 12000, 20000, 35000])),
                'fixed_allowance': Decimal(500),
                'si_city': city.id,
                'special_deductions': [('create', [{
                                'category': 'children_education',
                                'monthly_amount': Decimal(2000),
                                'start_date': dt.date(year, 1, 1)}]
                        if rng.random() < 0.4 else [])],
                } for p in parties])
    overtime = Overtime.create([{
                'company': company.id, 'employee': e.id,
                'date': dt.date(year, rng.randint(1, 12), 10),
                'hours': Decimal(rng.choice([2, 4, 8]))}
            for e in employees for _ in range(2)])
    Overtime.request(overtime)
    Overtime.approve(overtime)
    return employees


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scale', type=float, default=1.0,
        help="1.0 = 500 employees")
    parser.add_argument('--months', type=int, default=12)
    parser.add_argument('--seed', type=int, default=20261125)
    args = parser.parse_args(argv)
    configure()
    from trytond.modules.company.tests import create_company, set_company
    from trytond.pool import Pool
    from trytond.tests.test_tryton import DB_NAME, activate_module
    from trytond.transaction import Transaction

    count = max(int(500 * args.scale), 1)
    year = 2025
    started = time.perf_counter()
    activate_module(['yuexing_staff'])
    print(f'database ready in {time.perf_counter() - started:.1f} s',
        file=sys.stderr)
    rng = random.Random(args.seed)
    timings = []
    with Transaction().start(DB_NAME, 0, context={}):
        company = create_company()
        with set_company(company):
            progress('data', 0, 1)
            generate_data(company, count, year, rng)
            progress('data', 1, 1)
            Payslip = Pool().get('yuexing.payslip')
            for month in range(1, args.months + 1):
                progress('payroll', month - 1, args.months)
                start = time.perf_counter()
                payslips = Payslip.generate(company, year, month)
                Payslip.confirm(payslips)
                timings.append(time.perf_counter() - start)
                assert len(payslips) == count
            progress('payroll', args.months, args.months)
            december = Payslip.search([('month', '=', args.months)])
            tax = sum(p.income_tax for p in december)
        Transaction().rollback()
    median = statistics.median(timings)
    print(f'employees: {count}, months: {args.months}')
    print(f'batch (generate + confirm) median {median:.2f} s, '
        f'max {max(timings):.2f} s, first {timings[0]:.2f} s, '
        f'last {timings[-1]:.2f} s')
    print(f'per payslip median {1000 * median / count:.1f} ms; '
        f'last/first batch ratio {timings[-1] / timings[0]:.2f}')
    print(f'(month {args.months} income tax total {tax})')


if __name__ == '__main__':
    main()
