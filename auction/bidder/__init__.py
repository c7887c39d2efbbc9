"""The bidder's side, as one bidder sees it: a lot with its live round and his standing in it (`lot`), his
teminat for it (`teminat`), and his account (`account`): his bids, deposits, won lots and documents.

Read models only: they compose the domains' own reads (sales, bidding, deposits, settlement, watch …)
and decide nothing those domains do not decide themselves (who may bid is `bidding.eligibility`). The
pages under /lots and /hesabim render these; the API asks the same domain functions.
"""
