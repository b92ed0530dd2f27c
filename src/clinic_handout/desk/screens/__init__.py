"""One module per screen, each a Flask blueprint with its own template (templates/<screen>.html)."""
