"""esatis domain and services (no HTTP)."""
