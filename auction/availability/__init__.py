"""The platform's own availability record (A-43, OP-12) and the outage report of a closed round."""
