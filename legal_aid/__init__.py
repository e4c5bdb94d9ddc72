"""Legal aid given to victims by legal aid centres (plan 三.4)."""
