"""Imports every domain's models so that `Base.metadata` (alembic, tests) sees all tables.

Add each new domain's `models` module here.
"""

from auction.aftersale import models as aftersale_models
from auction.audit import models as audit_models
from auction.availability import models as availability_models
from auction.bidding import models as bidding_models
from auction.cases import models as cases_models
from auction.db import Base
from auction.deposits import models as deposits_models
from auction.disbursement import models as disbursement_models
from auction.events import models as events_models
from auction.lots import models as lots_models
from auction.mektup import models as mektup_models
from auction.notifications import models as notifications_models
from auction.otp import models as otp_models
from auction.sales import models as sales_models
from auction.settlement import models as settlement_models
from auction.users import models as users_models
from auction.watch import models as watch_models
from auction.webhooks import models as webhooks_models

__all__ = [
    "Base",
    "aftersale_models",
    "audit_models",
    "availability_models",
    "bidding_models",
    "cases_models",
    "deposits_models",
    "disbursement_models",
    "events_models",
    "lots_models",
    "mektup_models",
    "notifications_models",
    "otp_models",
    "sales_models",
    "settlement_models",
    "users_models",
    "watch_models",
    "webhooks_models",
]
