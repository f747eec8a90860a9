"""The Algoritmeregister publication standard: models per version, enums, schema, upgrades."""
