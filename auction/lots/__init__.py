"""Lots: what is sold as one unit (A-02): a taşınmaz (or a share in it), a vehicle, a group of movables."""
