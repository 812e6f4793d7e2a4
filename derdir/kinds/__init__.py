"""Registries: one entry per kind of thing a program recipe can say.

Each registry is a dict of small frozen records, one per kind, holding everything about that kind in
one place (as hassfest's plugins or brew audit's rules do): the recipe field it is written in, the
device facts it reads, how it is checked, how it reads in plain words, and, for payment terms, how
it is estimated. The recipe models, eligibility, estimates, the plain-language pages and the audit all
read these registries, so a new kind is one entry here plus its tests.

- `requirements.REQUIREMENTS`: capabilities a device rule can require (energy monitoring, kWh, hubs...)
- `incentives.INCENTIVES`: payment terms (per month, per kWh, upfront per kW...)
- `conditions.CONDITIONS`: what a household must be or do beyond its device (installer, retail plan...)
"""
