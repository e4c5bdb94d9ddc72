"""Field encryption primitives: round trips, tampering, keys, blind indexes."""

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry import crypto
from registry.crypto import DecryptionError, FieldKey, Keyring, KeyringError
from registry.keyring import new_key_entry, new_keyring_document, parse_keyring

COLUMN = "victims.victim.full_name"


def make_keyring(*ciphers: str, blind: bytes = b"b" * 32) -> Keyring:
    entries = [new_key_entry(cipher) for cipher in ciphers]
    keys = [FieldKey(e["id"] + str(i), e["cipher"], base64.b64decode(e["secret"])) for i, e in enumerate(entries)]
    return Keyring(keys, blind)


AES = make_keyring("aes-256-gcm")
SM4 = make_keyring("sm4-gcm")


@settings(max_examples=200)
@given(plaintext=st.binary(max_size=2048), keyring=st.sampled_from([AES, SM4]))
def test_round_trip_returns_the_plaintext(plaintext, keyring):
    token = crypto.encrypt(plaintext, column=COLUMN, keyring=keyring)
    assert crypto.decrypt(token, column=COLUMN, keyring=keyring) == plaintext


@given(text=st.text(min_size=1, max_size=64))
def test_ciphertext_never_contains_the_plaintext_and_differs_each_time(text):
    first = crypto.encrypt(text.encode(), column=COLUMN, keyring=AES)
    second = crypto.encrypt(text.encode(), column=COLUMN, keyring=AES)
    assert first != second  # fresh nonce every time
    if len(text) > 3:
        assert text not in first


def test_ciphertext_names_the_key_that_made_it():
    token = crypto.encrypt(b"x", column=COLUMN, keyring=AES)
    assert crypto.key_id_of(token) == AES.primary.key_id
    assert token.startswith(f"e1${AES.primary.key_id}$")


@settings(max_examples=200)
@given(plaintext=st.binary(min_size=1, max_size=256), data=st.data(), keyring=st.sampled_from([AES, SM4]))
def test_any_flipped_byte_is_detected(plaintext, data, keyring):
    token = crypto.encrypt(plaintext, column=COLUMN, keyring=keyring)
    prefix, key_id, body = token.split("$")
    blob = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    index = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    blob[index] ^= data.draw(st.integers(min_value=1, max_value=255))
    tampered = f"{prefix}${key_id}${base64.urlsafe_b64encode(bytes(blob)).rstrip(b'=').decode()}"
    with pytest.raises(DecryptionError):
        crypto.decrypt(tampered, column=COLUMN, keyring=keyring)


def test_a_value_moved_to_another_column_does_not_decrypt():
    token = crypto.encrypt(b"secret", column=COLUMN, keyring=AES)
    with pytest.raises(DecryptionError, match="failed authentication"):
        crypto.decrypt(token, column="victims.victim.address", keyring=AES)


@given(plaintext=st.binary(max_size=128))
def test_a_wrong_key_with_the_same_id_is_refused(plaintext):
    token = crypto.encrypt(plaintext, column=COLUMN, keyring=AES)
    impostor = Keyring([FieldKey(AES.primary.key_id, "aes-256-gcm", b"\x01" * 32)], b"b" * 32)
    with pytest.raises(DecryptionError):
        crypto.decrypt(token, column=COLUMN, keyring=impostor)


def test_an_unknown_key_id_is_a_loud_error_not_none():
    token = crypto.encrypt(b"x", column=COLUMN, keyring=AES)
    with pytest.raises(DecryptionError, match="no key with id"):
        crypto.decrypt(token, column=COLUMN, keyring=SM4)


@given(plaintext=st.binary(max_size=128))
def test_old_values_decrypt_after_a_new_key_is_added_in_front(plaintext):
    old = make_keyring("aes-256-gcm")
    token = crypto.encrypt(plaintext, column=COLUMN, keyring=old)
    new_key = make_keyring("sm4-gcm").primary
    rotated = Keyring([new_key, old.primary], b"b" * 32)
    assert crypto.decrypt(token, column=COLUMN, keyring=rotated) == plaintext
    fresh = crypto.encrypt(plaintext, column=COLUMN, keyring=rotated)
    assert crypto.key_id_of(fresh) == new_key.key_id


@pytest.mark.parametrize("garbage", ["", "plain text", "e1$k$", "e1$k$!!!!", "e2$k$AAAA", "e1$k$" + "A" * 10])
def test_malformed_stored_values_raise(garbage):
    with pytest.raises(DecryptionError):
        crypto.decrypt(garbage, column=COLUMN, keyring=AES)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "malformed"),
        (json.dumps({"keys": [], "blind_index_secret": base64.b64encode(b"b" * 32).decode()}), "no field-encryption"),
        (json.dumps({"keys": [{"id": "k", "cipher": "rot13", "secret": "AA=="}], "blind_index_secret": ""}), "cipher"),
        (
            json.dumps(
                {
                    "keys": [{"id": "k", "cipher": "aes-256-gcm", "secret": base64.b64encode(b"s" * 16).decode()}],
                    "blind_index_secret": base64.b64encode(b"b" * 32).decode(),
                }
            ),
            "32-byte",
        ),
        (
            json.dumps(
                {
                    "keys": [{"id": "k", "cipher": "aes-256-gcm", "secret": base64.b64encode(b"s" * 32).decode()}],
                    "blind_index_secret": base64.b64encode(b"b" * 8).decode(),
                }
            ),
            "blind-index secret",
        ),
    ],
)
def test_a_defective_keyring_is_refused_with_a_reason(document, message):
    with pytest.raises(KeyringError, match=message):
        parse_keyring(document)


def test_keyring_repr_shows_no_secret():
    keyring = parse_keyring(new_keyring_document())
    secret = base64.b64encode(keyring.primary.secret).decode()
    assert secret not in repr(keyring) and secret not in repr(keyring.primary)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width digits
        ("李 小 红", "李小红"),
        ("李\u3000小红", "李小红"),  # ideographic space
    ],
)
def test_blind_index_folds_spellings_of_one_value(one, other):
    assert crypto.blind_index(one, column=COLUMN, keyring=AES) == crypto.blind_index(other, column=COLUMN, keyring=AES)


def test_blind_index_is_keyed_per_column_and_per_keyring():
    value = "11010519491231002X"
    digest = crypto.blind_index(value, column=COLUMN, keyring=AES)
    assert digest != crypto.blind_index(value, column="victims.victim.other", keyring=AES)
    assert digest != crypto.blind_index(value, column=COLUMN, keyring=make_keyring("aes-256-gcm", blind=b"c" * 32))
    assert len(digest) == 64 and value not in digest
