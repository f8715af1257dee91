"""The environmental data pages: meters and readings, imports, site figures."""
