"""月星防水 accounting set-up: the 企业会计准则 chart of accounts, Chinese VAT
taxes and the books of a company (fiscal years, journals, payment methods).
Classes are registered in tryton.cfg."""
