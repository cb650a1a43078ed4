"""End-to-end scenarios in a real Chromium, driven by Playwright (issue 5)."""
