"""Assistance services: shelter placement, schooling, vocational training and employment,
return home and follow-up visits (DESIGN §2, plan section 三)."""
