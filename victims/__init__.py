"""The person and the case: identity, contacts and family, rescue, health, DNA sample, consent,
referrals and the case's stage (DESIGN §2)."""
