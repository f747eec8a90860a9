"""Federation: the harvest protocol every register serves, its principles, and checking a register."""
