"""Server-rendered pages: the public register site and the management tool."""
