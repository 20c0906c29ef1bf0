"""oscar_loyalty's models, one module per domain."""

from .customers import CustomerProfile, SentNotice
from .events import PointsEvent
from .ledger import LedgerEntry, LotAllocation, PointsAccount, PointsLot
from .offers import SpendBracket
from .program import ProgramSettings
from .recommendations import ProductNeighbour, RecommendationBuild
from .redemption import PointsHold, RedemptionSettings
from .referrals import Referral, ReferralCode, ReferralSettings, ReferralVisit
from .rewards import (
    AmountOffReward,
    FreeProductReward,
    FreeShippingReward,
    GiftReward,
    PercentageOffReward,
    Reward,
    RewardRedemption,
)
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
from .tiers import CustomerTier, Tier, TierActivity, TierChange, TierPin, TierSettings

__all__ = [
    "AmountOffReward",
    "FreeProductReward",
    "FreeShippingReward",
    "GiftReward",
    "PercentageOffReward",
    "Reward",
    "RewardRedemption",
    "ActionRule",
    "BirthdayRule",
    "CustomerProfile",
    "EarningRule",
    "FirstOrderRule",
    "LedgerEntry",
    "LotAllocation",
    "NewsletterRule",
    "PointsAccount",
    "PointsEvent",
    "PointsHold",
    "PointsLot",
    "ProductNeighbour",
    "ProgramSettings",
    "RecommendationBuild",
    "RedemptionSettings",
    "Referral",
    "ReferralCode",
    "ReferralSettings",
    "ReferralVisit",
    "ReviewRule",
    "RuleMultiplier",
    "SentNotice",
    "SignupRule",
    "SocialFollowRule",
    "SpendBracket",
    "SpendRule",
    "CustomerTier",
    "Tier",
    "TierActivity",
    "TierChange",
    "TierPin",
    "TierSettings",
]

# The offer proxies are models too (app_label oscar_loyalty); imported last because they use the
# domain modules, which import the models above.
from ..offers.benefits import PointsDiscountBenefit  # noqa: E402
from ..offers.brackets import SpendBracketsBenefit  # noqa: E402
from ..offers.conditions import PointsAppliedCondition, RewardCustomerCondition  # noqa: E402
from ..offers.customer_conditions import (  # noqa: E402
    EveryoneCondition,
    ExactOrdersCondition,
    FirstOrderCondition,
    MinimumOrdersCondition,
    SegmentCondition,
    WinBackCondition,
)
from ..offers.free_shipping import FreeShippingBenefit  # noqa: E402
from ..offers.percentage import RoundedPercentageBenefit  # noqa: E402
from ..offers.referrals import ReferredFriendCondition  # noqa: E402
from ..offers.shipping import PointsShippingBenefit  # noqa: E402
from ..offers.tier_conditions import CustomerInTierCondition  # noqa: E402

__all__ += [
    "FreeShippingBenefit",
    "PointsAppliedCondition",
    "PointsDiscountBenefit",
    "PointsShippingBenefit",
    "RewardCustomerCondition",
    "RoundedPercentageBenefit",
]
__all__ += [
    "CustomerInTierCondition",
    "EveryoneCondition",
    "ExactOrdersCondition",
    "FirstOrderCondition",
    "MinimumOrdersCondition",
    "ReferredFriendCondition",
    "SegmentCondition",
    "WinBackCondition",
    "SpendBracketsBenefit",
]
