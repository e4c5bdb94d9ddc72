"""The registry's core: settings, people and places, the access policy, encryption, history."""
