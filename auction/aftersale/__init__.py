"""After the award: the sale from the posted tutanak to the hand-over to the distribution (docs/law/auction-rules.md
§6–§9, S-12 … S-22, TM-16 … TM-22; docs/aftersale.md).

- `payments`: the price and the taxes, paid through the payment provider and confirmed with an SMS code
  (S-12, S-19);
- `default`: the payment deadline passes (S-13): forfeiture, refunds, iptal tutanağı, round 2 or the end;
- `fesih`: ihalenin feshi complaints and the court's outcome (S-14 … S-16);
- `finality`: the window closes (TM-17), the finality check (S-17, TM-19) and staff confirmation (S-18);
- `handover`: tescil / teslim, tahliye, annulment paths (S-19 … S-22) and the hand-over point to the
  distribution (`handoff`);
- `timers`: what the aftersale worker claims and runs exactly once;
- `documents`: receipts, tutanak, şerh, letters (HTML + PDF).

This package orchestrates: it imports sales, settlement, deposits, bidding and otp; none of them imports it.
"""
