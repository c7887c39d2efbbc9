"""What the buyer of a won lot pays, and when (docs/law/taxes-and-fees.md §1, T-01 … T-11; A-56, A-62).

The tax arithmetic is the distribution engine's step 1 (`buyer_settlement`); this package only builds
the case from the won sale and adds what the distribution does not know: the teminat credit (OP-18),
the balance of the price and the payment deadline (A-62).
"""

from auction.settlement.service import (
    DueItem,
    Settlement,
    kdv_rate_for_bidders,
    settle,
    settlement_for_sale,
)

__all__ = ["DueItem", "Settlement", "kdv_rate_for_bidders", "settle", "settlement_for_sale"]
