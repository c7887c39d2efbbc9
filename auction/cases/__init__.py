"""Cases (icra dosyaları): an office's enforcement file, its debtor and creditors; it holds lots."""
