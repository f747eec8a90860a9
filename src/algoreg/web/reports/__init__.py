"""Documents rendered for people: HTML and PDF reports built from the domains' results."""
