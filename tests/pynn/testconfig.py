"""What PyNN's scenarios import from nose-testconfig: an empty configuration."""
config = {}
