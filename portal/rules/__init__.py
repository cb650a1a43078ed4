"""Business rules of the certification flow: pure Python, no Flask, no request.

Views, the CLI and importers call into this package; it never calls back into them.
"""
