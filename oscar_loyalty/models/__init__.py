"""oscar_loyalty's models, one module per domain."""

from .customers import CustomerProfile, SentNotice
from .ledger import LedgerEntry, LotAllocation, PointsAccount, PointsLot
from .program import ProgramSettings
from .rules import (
    ActionRule,
    BirthdayRule,
    EarningRule,
    FirstOrderRule,
    NewsletterRule,
    ReviewRule,
    RuleMultiplier,
    SignupRule,
    SocialFollowRule,
    SpendRule,
)

__all__ = [
    "ActionRule",
    "BirthdayRule",
    "CustomerProfile",
    "EarningRule",
    "FirstOrderRule",
    "LedgerEntry",
    "LotAllocation",
    "NewsletterRule",
    "PointsAccount",
    "PointsLot",
    "ProgramSettings",
    "ReviewRule",
    "RuleMultiplier",
    "SentNotice",
    "SignupRule",
    "SocialFollowRule",
    "SpendRule",
]
