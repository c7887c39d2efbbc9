"""The file's side of the distribution: turning what the icra dosyası holds into the distribution
contract's case (`case_from_file`). The distribution engine itself stays pure (auction.distribution);
every caller that needs a case from a sale builds it here, through one entry point, so that the sıra
cetveli of the next issue extends this builder rather than a second one."""
