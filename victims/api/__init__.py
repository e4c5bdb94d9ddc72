"""The REST API of the victim file under ``/api/v1/`` (DESIGN §5; routes in ``victims.urls``).

- :mod:`victims.api.cases` — the case list, search and registration, the case detail, the
  victim's sections, the stage actions and the history.
- :mod:`victims.api.records` — the records hung on a case (rescue, health, DNA, household,
  family, consent) and referrals with their answers.
- :mod:`victims.api.serializers` — the input serializers (explicit field lists, from the models
  and the kinds of ``victims.sections``) and the shapes the schema documents.
- :mod:`registry.api.cases` — what every view under a case shares.

Every view reads through ``victims.selectors`` (scope first: a case outside the caller's reach
answers 404 like an absent one, before any 403) and writes through ``victims.operations``
(which check the policy again, lock, compare versions, keep history and audit). Reads are
audited here with ``registry.audit.log_read``; refusals by the API's exception handler.
"""
