"""The demonstration register: a fictional, realistic sample that ``algoreg demo`` starts with."""
