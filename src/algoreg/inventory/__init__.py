"""Inventories: request campaigns ("uitvraag") among governments, and the inventory of uses of
origin-related personal data with their determination and remediation (:mod:`.origin_uses`,
:mod:`.origin_scan`, :mod:`.remediation`)."""
