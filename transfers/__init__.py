"""Cases that move (issue 17): a transfer between two organizations of the province — requested,
then accepted or declined by the receiving organization — and a hand-over out of the province
or the country (五.2, 五.3), which leaves the case read-only ``transferred`` here."""
