"""Channel tests and the statistics that judge any two or more groups of leads."""
