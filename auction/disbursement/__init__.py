"""The distribution of a real sale (docs/distribution.md, "The cetvel of a sale"): the sıra cetveli built
from the file by the pure engine (auction.distribution) and stored as versions, its service, objections
and finality, and its payouts with four eyes, the bank file and `payout.sent`."""
