"""E-mail about the inbox (the inbox helper fills this in: the message sent at once, and the digest)."""


def send_immediate(user_ids: list[int]) -> int:
    return 0
