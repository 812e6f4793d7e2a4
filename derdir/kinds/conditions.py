"""Condition kinds: what a household must be or do, beyond owning an eligible device, to be paid.

A program (or one of its payment terms) lists conditions, each of a kind below with its own words
("on the Tesla Electric plan"). A household confirms or denies them by kind ("solar": applies to every
program) or for one program ("tesla-virtual-power-plant:retail-plan"). Until it does, a program with a
condition is `conditional`: shown with what to confirm, never added to totals.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConditionKind:
    name: str
    description: str  # for recipe writers (the schema)
    question: str  # what a household is asked to confirm, in plain words
    household_wide: bool  # the same answer for every program (solar, owner) or per program (installer, plan)


CONDITIONS: dict[str, ConditionKind] = {k.name: k for k in (
    ConditionKind("installer", "The device must be installed or sold by a named installer or dealer.",
                  "Was the device installed (or bought) through the installer this program names?", False),
    ConditionKind("retail-plan", "The home must buy its electricity on a named retail plan or from a named provider.",
                  "Is the home on the retail plan or provider this program names?", False),
    ConditionKind("rate", "The home must be on a named tariff or rate schedule (e.g. a time-of-use rate).",
                  "Is the home on the rate this program names?", False),
    ConditionKind("solar", "The home must have solar panels (or must not, as the words say).",
                  "Does the home have solar panels?", True),
    ConditionKind("owner", "The applicant must own the home (or have the owner's consent).",
                  "Do you own the home, or have the owner's consent?", True),
    ConditionKind("customer-class", "Only some customer classes (e.g. residential, small business) may join.",
                  "Is the account of the customer class this program names?", True),
    ConditionKind("income", "Income-qualified households only (or extra payments for them).",
                  "Does the household meet the program's income limits?", True),
    ConditionKind("no-other-program", "The customer must not be in another program named here (see also "
                  "`excludes_programs`).", "Is the home outside the other programs this program names?", False),
    ConditionKind("new-customer", "Only customers who have not taken part before, or devices bought or enrolled "
                  "after a date.", "Is this a new enrollment as the program defines it?", False),
    ConditionKind("account", "An account, app or cloud connection with the manufacturer or program is required.",
                  "Will you connect the device to the account or app this program names?", False),
    ConditionKind("other", "Anything else a source states; say what in the condition's text.",
                  "Does the home meet the condition stated?", False),
)}
