"""A case handed over out of the province or the country (五.2, 五.3): the record, its package and receipt."""
