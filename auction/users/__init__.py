"""Users, offices (icra daireleri with their satış bürosu) and roles; authentication and authorisation."""
