"""What each kind of record of the victim file is called, in the words of the case file, its
timeline and the dossiers (the models' own verbose names name the kinds other apps add)."""

from django.utils.translation import gettext_lazy

KIND_LABELS = {
    "case": gettext_lazy("Case"),
    "victim": gettext_lazy("Personal details"),
    "rescue": gettext_lazy("Rescue"),
    "healthassessment": gettext_lazy("Health assessment"),
    "dnasample": gettext_lazy("DNA sample"),
    "household": gettext_lazy("Household"),
    "familymember": gettext_lazy("Family member or contact"),
    "consent": gettext_lazy("Consent"),
    "referral": gettext_lazy("Referral"),
}
